// A job's files (the uploaded input, an export's output), stored in the
// database as 1 MiB chunks (job_files). In the database rather than on a
// disk because every gateway process and worker, on any host, must read what
// any other stored, with nothing shared but MySQL; a chunk is written and
// read as one row, far below max_allowed_packet (16 MiB on MariaDB, 64 MiB on
// MySQL 8), so memory stays at one chunk whatever the file's size. The chunks
// go with their job (ON DELETE CASCADE) when its retention ends.
import { Readable } from 'node:stream';
import { CompiledQuery } from 'kysely';
import type { SqlSession } from '../db/direct.ts';

export const CHUNK_BYTES = 1024 * 1024;
export type FileRole = 'INPUT' | 'OUTPUT';

/** Collects bytes into CHUNK_BYTES rows and writes each as it fills. */
export class ChunkWriter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #seq = 0;
  bytes = 0;

  constructor(
    private readonly db: SqlSession,
    private readonly jobId: string,
    private readonly role: FileRole,
  ) {}

  async write(data: Buffer): Promise<void> {
    this.bytes += data.length;
    this.#pending.push(data);
    this.#pendingBytes += data.length;
    while (this.#pendingBytes >= CHUNK_BYTES) {
      const all = Buffer.concat(this.#pending);
      await this.#store(all.subarray(0, CHUNK_BYTES));
      const rest = all.subarray(CHUNK_BYTES);
      this.#pending = rest.length > 0 ? [rest] : [];
      this.#pendingBytes = rest.length;
    }
  }

  async end(): Promise<void> {
    if (this.#pendingBytes > 0) await this.#store(Buffer.concat(this.#pending));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  async #store(chunk: Buffer): Promise<void> {
    await this.db.executeQuery(CompiledQuery.raw('INSERT INTO job_files (job_id, role, seq, data) VALUES (?, ?, ?, ?)', [this.jobId, this.role, this.#seq++, chunk]));
  }
}

/** A job's file as a stream, one chunk read at a time (only when the reader wants more). */
export function readJobFile(db: SqlSession, jobId: string, role: FileRole): Readable {
  async function* chunks() {
    for (let seq = 0; ; seq++) {
      const { rows } = await db.executeQuery<{ data: Buffer }>(CompiledQuery.raw('SELECT data FROM job_files WHERE job_id = ? AND role = ? AND seq = ?', [jobId, role, seq]));
      if (!rows[0]) return;
      yield rows[0].data;
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
}

/** The stored size of a job's file, in bytes. */
export async function jobFileBytes(db: SqlSession, jobId: string, role: FileRole): Promise<number> {
  const { rows } = await db.executeQuery<{ bytes: string | null }>(CompiledQuery.raw('SELECT SUM(LENGTH(data)) AS bytes FROM job_files WHERE job_id = ? AND role = ?', [jobId, role]));
  return Number(rows[0]?.bytes ?? 0);
}

export async function deleteJobFile(db: SqlSession, jobId: string, role: FileRole): Promise<void> {
  await db.executeQuery(CompiledQuery.raw('DELETE FROM job_files WHERE job_id = ? AND role = ?', [jobId, role]));
}
