// Reading the rows a job refused (job_errors), by line.
import { CompiledQuery } from 'kysely';
import type { SqlSession } from '../db/direct.ts';

export interface JobErrorRow {
  /** The line, as text: the connection's cursor key. */
  readonly id: string;
  readonly line: number;
  readonly field: string | null;
  readonly code: string;
  readonly message: string;
}

/** One page by line: first+1 rows, so the caller can tell whether more follow. */
export async function findJobErrorsPage(db: SqlSession, jobId: string, first: number, afterLine: string | null): Promise<JobErrorRow[]> {
  const { rows } = await db.executeQuery<{ line: string; field: string | null; code: string; message: string }>(
    CompiledQuery.raw('SELECT line, field, code, message FROM job_errors WHERE job_id = ? AND line > ? ORDER BY line LIMIT ?', [jobId, afterLine ?? 0, first + 1]),
  );
  return rows.map((row) => ({ id: String(row.line), line: Number(row.line), field: row.field, code: row.code, message: row.message }));
}

export async function countJobErrors(db: SqlSession, jobId: string): Promise<{ count: number; minId: string | null }> {
  const { rows } = await db.executeQuery<{ count: string; minLine: string | null }>(
    CompiledQuery.raw('SELECT COUNT(*) AS count, MIN(line) AS minLine FROM job_errors WHERE job_id = ?', [jobId]),
  );
  return { count: Number(rows[0]?.count ?? 0), minId: rows[0]?.minLine == null ? null : String(rows[0].minLine) };
}
