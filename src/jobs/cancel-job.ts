// cancelJob's rules: a QUEUED job is CANCELLED at once, a RUNNING one is
// asked to stop before its next batch (its worker sees cancel_requested and
// keeps the batches committed before); an unknown job is NOT_FOUND and one
// that has already ended is CONFLICT. Admins only (access.ts).
import { requireAccess } from '../access.ts';
import type { SqlSession } from '../db/direct.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { parseId } from '../values.ts';
import type { Viewer } from '../viewer.ts';
import { requestCancel, type JobRow } from './job.repository.ts';

export async function cancelJob(db: SqlSession, rawId: string, viewer: Viewer): Promise<JobRow> {
  requireAccess(viewer, 'cancelJob');
  const id = parseId(rawId, 'id');
  const { job, changed } = await requestCancel(db, id);
  if (!job) throw new NotFoundError(`No job with id "${id}"`);
  if (!changed) throw new ConflictError(`Job ${id} has already ended (${job.status}); only a QUEUED or RUNNING job can be cancelled`);
  return job;
}
