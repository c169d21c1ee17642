// Queues an import: the file is streamed into job_files as it arrives (never
// held whole), counted against MAX_UPLOAD_BYTES as it goes, and only once it
// is complete does the job become visible to workers. A file over the limit,
// or an upload that breaks off, leaves nothing behind. Admins only (access.ts).
import { requireAccess } from '../access.ts';
import type { Db } from '../db/pool.ts';
import type { Viewer } from '../viewer.ts';
import type { ImportJobParams } from './import-job.ts';
import { ChunkWriter } from './job-files.ts';
import { deleteJob, findJob, insertHiddenJob, publishJob, type JobRow } from './job.repository.ts';

export class UploadTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    readonly bytes: number,
  ) {
    super(`the file is larger than the upload limit of ${maxBytes} bytes (MAX_UPLOAD_BYTES)`);
    this.name = 'UploadTooLargeError';
  }
}

export async function createImportJob(
  db: Db,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  params: Omit<ImportJobParams, 'bytes'>,
  viewer: Viewer,
  maxBytes: number,
): Promise<JobRow> {
  requireAccess(viewer, 'importFile');
  const id = await insertHiddenJob(db, 'import', { ...params, bytes: 0 });
  try {
    const writer = new ChunkWriter(db, id, 'INPUT');
    for await (const piece of body) {
      if (writer.bytes + piece.length > maxBytes) throw new UploadTooLargeError(maxBytes, writer.bytes + piece.length);
      await writer.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    }
    await writer.end();
    await publishJob(db, id, { ...params, bytes: writer.bytes });
  } catch (error) {
    await deleteJob(db, id).catch(() => undefined);
    throw error;
  }
  return (await findJob(db, id))!;
}
