// Subscription.jobProgress: the job now, then again whenever its progress or
// status changed, until it ends. Read from the jobs table (every quarter
// second), because the job may run in any gateway or worker process: the
// table is the one place all of them write its progress to.
import type { SqlSession } from '../db/direct.ts';
import { NotFoundError } from '../errors.ts';
import { findJob, type JobRow } from './job.repository.ts';

const POLL_MS = 250;
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export async function* watchJob(db: SqlSession, id: string, pollMs = POLL_MS): AsyncGenerator<JobRow> {
  let last = '';
  for (;;) {
    const job = await findJob(db, id);
    if (!job) throw new NotFoundError(`No job with id "${id}"`);
    const seen = `${job.status}:${job.rows_done}:${job.rows_total}:${job.cancel_requested}`;
    if (seen !== last) {
      last = seen;
      yield job;
    }
    if (ENDED.has(job.status)) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
