// All SQL about job rows. A job is QUEUED until a worker claims it (SELECT ...
// FOR UPDATE SKIP LOCKED, so two workers never claim one job), RUNNING under
// a lease its worker renews (lease_owner is unique per claim, so a worker
// that lost its lease cannot write as if it still held it), and ends
// SUCCEEDED, FAILED or CANCELLED. A RUNNING job whose lease lapsed (its worker
// died) is claimed again and resumes from its checkpoint.
import { CompiledQuery } from 'kysely';
import type { Runner, SqlSession } from '../db/direct.ts';

export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobType = 'import' | 'export_orders';

export interface JobRow {
  id: string;
  type: JobType;
  status: JobStatus;
  params: Record<string, unknown>;
  rows_done: number;
  rows_total: number | null;
  checkpoint: Record<string, unknown> | null;
  report: Record<string, unknown> | null;
  error: string | null;
  attempts: number;
  cancel_requested: boolean;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

/** run_after of a job whose upload is still being stored: no worker sees it until it is complete. */
const HIDDEN = '9999-12-31 00:00:00.000';
const COLUMNS =
  'id, type, status, params, rows_done, rows_total, checkpoint, report, error, attempts, cancel_requested, lease_owner, lease_expires_at, created_at, started_at, finished_at, updated_at';
/** Claims after which a job whose worker keeps dying is given up on. */
export const MAX_ATTEMPTS = 5;

type Raw = Omit<JobRow, 'params' | 'checkpoint' | 'report' | 'rows_done' | 'rows_total' | 'cancel_requested'> & {
  params: unknown;
  checkpoint: unknown;
  report: unknown;
  rows_done: string | number;
  rows_total: string | number | null;
  cancel_requested: number;
};

/** MariaDB hands JSON columns over as text, MySQL 8 as values: both become values. */
function json(value: unknown): any {
  return typeof value === 'string' ? JSON.parse(value) : (value ?? null);
}

function toJob(raw: Raw): JobRow {
  return {
    ...raw,
    id: String(raw.id),
    params: json(raw.params),
    checkpoint: json(raw.checkpoint),
    report: json(raw.report),
    rows_done: Number(raw.rows_done),
    rows_total: raw.rows_total === null ? null : Number(raw.rows_total),
    cancel_requested: Number(raw.cancel_requested) === 1,
  };
}

/** A new job, invisible to workers until publishJob (its input is stored first). */
export async function insertHiddenJob(db: SqlSession, type: JobType, params: Record<string, unknown>): Promise<string> {
  const result = await db.executeQuery(CompiledQuery.raw('INSERT INTO jobs (type, params, run_after) VALUES (?, ?, ?)', [type, JSON.stringify(params), HIDDEN]));
  return String(result.insertId);
}

/** Makes a stored job claimable, with its final parameters (the size of its input is known now). */
export async function publishJob(db: SqlSession, id: string, params: object): Promise<void> {
  await db.executeQuery(CompiledQuery.raw('UPDATE jobs SET run_after = NOW(3), params = ? WHERE id = ?', [JSON.stringify(params), id]));
}

export async function deleteJob(db: SqlSession, id: string): Promise<void> {
  await db.executeQuery(CompiledQuery.raw('DELETE FROM jobs WHERE id = ?', [id]));
}

export async function findJob(db: SqlSession, id: string): Promise<JobRow | null> {
  const { rows } = await db.executeQuery<Raw>(CompiledQuery.raw(`SELECT ${COLUMNS} FROM jobs WHERE id = ? AND run_after <> ?`, [id, HIDDEN]));
  return rows[0] ? toJob(rows[0]) : null;
}

/** One page of jobs by ascending id: first+1 rows, so the caller can tell whether more follow. */
export async function findJobsPage(db: SqlSession, args: { first: number; afterId: string | null; status: JobStatus | null }): Promise<JobRow[]> {
  const where = ['run_after <> ?'];
  const params: unknown[] = [HIDDEN];
  if (args.afterId !== null) (where.push('id > ?'), params.push(args.afterId));
  if (args.status !== null) (where.push('status = ?'), params.push(args.status));
  params.push(args.first + 1);
  const { rows } = await db.executeQuery<Raw>(CompiledQuery.raw(`SELECT ${COLUMNS} FROM jobs WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, params));
  return rows.map(toJob);
}

export async function countJobs(db: SqlSession, status: JobStatus | null): Promise<{ count: number; minId: string | null }> {
  const { rows } = await db.executeQuery<{ count: string; minId: string | null }>(
    CompiledQuery.raw(`SELECT COUNT(*) AS count, MIN(id) AS minId FROM jobs WHERE run_after <> ?${status ? ' AND status = ?' : ''}`, status ? [HIDDEN, status] : [HIDDEN]),
  );
  return { count: Number(rows[0]?.count ?? 0), minId: rows[0]?.minId == null ? null : String(rows[0].minId) };
}

const CLAIMABLE = "((status = 'QUEUED' AND run_after <= NOW(3)) OR (status = 'RUNNING' AND lease_expires_at < NOW(3)))";

/** Whether any job waits for a worker: the idle poll, one cheap statement outside any transaction. */
export async function anyClaimable(db: SqlSession): Promise<boolean> {
  const { rows } = await db.executeQuery(CompiledQuery.raw(`/* jobs:probe */ SELECT 1 AS one FROM jobs WHERE ${CLAIMABLE} LIMIT 1`));
  return rows.length > 0;
}

/**
 * Claims the oldest claimable job for `owner` (a token unique to this claim)
 * and returns it, or null. READ COMMITTED (db.transaction's isolation
 * option), so the locking read locks only the row it takes, not every row and
 * gap it looked at; SKIP LOCKED, so claimers pass over each other's rows
 * instead of queueing. A lapsed job that was asked to stop is CANCELLED here,
 * and one claimed MAX_ATTEMPTS times FAILED.
 */
export async function claimJob(db: Runner, owner: string, leaseMs: number): Promise<JobRow | null> {
  return db.transaction(
    async (trx) => {
      for (;;) {
        const { rows } = await trx.executeQuery<Raw>(
          CompiledQuery.raw(`/* jobs:claim */ SELECT ${COLUMNS} FROM jobs WHERE ${CLAIMABLE} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`),
        );
        if (!rows[0]) return null;
        const job = toJob(rows[0]);
        if (job.cancel_requested) {
          await trx.executeQuery(
            CompiledQuery.raw("UPDATE jobs SET finished_at = NOW(3), status = 'CANCELLED', lease_owner = NULL, lease_expires_at = NULL WHERE id = ?", [job.id]),
          );
          continue;
        }
        if (job.attempts >= MAX_ATTEMPTS) {
          const error = `gave up after ${job.attempts} attempts: the workers running it stopped (crashed or lost the database) each time`;
          await trx.executeQuery(
            CompiledQuery.raw("UPDATE jobs SET finished_at = NOW(3), status = 'FAILED', error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?", [error, job.id]),
          );
          continue;
        }
        await trx.executeQuery(
          CompiledQuery.raw(
            "UPDATE jobs SET status = 'RUNNING', lease_owner = ?, lease_expires_at = NOW(3) + INTERVAL ? MICROSECOND, attempts = attempts + 1, started_at = COALESCE(started_at, NOW(3)) WHERE id = ?",
            [owner, leaseMs * 1000, job.id],
          ),
        );
        return { ...job, status: 'RUNNING', lease_owner: owner, attempts: job.attempts + 1 };
      }
    },
    { isolation: 'READ COMMITTED' },
  );
}

/** Renews the lease; false when `owner` no longer holds it (another worker took the job over). */
export async function renewLease(db: SqlSession, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const result = await db.executeQuery(
    CompiledQuery.raw('/* jobs:heartbeat */ UPDATE jobs SET lease_expires_at = NOW(3) + INTERVAL ? MICROSECOND WHERE id = ? AND lease_owner = ?', [leaseMs * 1000, id, owner]),
  );
  return Number(result.numAffectedRows ?? 0) === 1;
}

export async function isCancelRequested(db: SqlSession, id: string): Promise<boolean> {
  const { rows } = await db.executeQuery<{ c: number }>(CompiledQuery.raw('SELECT cancel_requested AS c FROM jobs WHERE id = ?', [id]));
  return Number(rows[0]?.c ?? 0) === 1;
}

/**
 * The checkpoint of a batch, in the batch's own transaction: it matches only
 * while `owner` holds the lease and the job stands where this worker thinks
 * (rows_done = previous), so a batch committed twice, or by a worker that
 * lost the job, is impossible: it matches no row and the batch rolls back.
 */
export function checkpointQuery(id: string, owner: string, previousRows: number, rows: number, checkpoint: unknown, leaseMs: number): CompiledQuery {
  return CompiledQuery.raw(
    '/* jobs:checkpoint */ UPDATE jobs SET rows_done = ?, checkpoint = ?, lease_expires_at = NOW(3) + INTERVAL ? MICROSECOND WHERE id = ? AND lease_owner = ? AND rows_done = ?',
    [rows, JSON.stringify(checkpoint), leaseMs * 1000, id, owner, previousRows],
  );
}

export async function setRowsTotal(db: SqlSession, id: string, owner: string, total: number): Promise<void> {
  await db.executeQuery(CompiledQuery.raw('UPDATE jobs SET rows_total = ? WHERE id = ? AND lease_owner = ?', [total, id, owner]));
}

/** Ends the job (while `owner` holds it); false when it does not. */
export async function finishJob(
  db: SqlSession,
  id: string,
  owner: string,
  outcome: { status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'; report: unknown; error: string | null },
): Promise<boolean> {
  const result = await db.executeQuery(
    CompiledQuery.raw(
      'UPDATE jobs SET finished_at = NOW(3), status = ?, report = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?',
      [outcome.status, JSON.stringify(outcome.report), outcome.error, id, owner],
    ),
  );
  return Number(result.numAffectedRows ?? 0) === 1;
}

/** Gives the job back to the queue (a worker stopping, or a database failure), to run again after `delayMs`. */
export async function releaseJob(db: SqlSession, id: string, owner: string, delayMs: number, error: string | null): Promise<void> {
  await db.executeQuery(
    CompiledQuery.raw(
      "UPDATE jobs SET status = 'QUEUED', run_after = NOW(3) + INTERVAL ? MICROSECOND, error = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?",
      [delayMs * 1000, error, id, owner],
    ),
  );
}

/**
 * Asks a job to stop: a QUEUED one is CANCELLED at once, a RUNNING one stops
 * at its next batch (its worker sees cancel_requested). Finished jobs are
 * left as they are (changed: false). Returns the job as it now is.
 */
export async function requestCancel(db: SqlSession, id: string): Promise<{ job: JobRow | null; changed: boolean }> {
  // finished_at before status: MySQL applies SET assignments left to right.
  const result = await db.executeQuery(
    CompiledQuery.raw(
      "UPDATE jobs SET cancel_requested = 1, finished_at = IF(status = 'QUEUED', NOW(3), finished_at), status = IF(status = 'QUEUED', 'CANCELLED', status) WHERE id = ? AND status IN ('QUEUED', 'RUNNING') AND run_after <> ?",
      [id, HIDDEN],
    ),
  );
  return { job: await findJob(db, id), changed: Number(result.numAffectedRows ?? 0) === 1 };
}

/** Deletes jobs finished more than `hours` ago (their files and errors go with them), and uploads abandoned as long ago. */
export async function deleteExpiredJobs(db: SqlSession, hours: number, limit = 100): Promise<number> {
  const result = await db.executeQuery(
    CompiledQuery.raw(
      '/* jobs:retention */ DELETE FROM jobs WHERE (finished_at < NOW(3) - INTERVAL ? HOUR) OR (run_after = ? AND created_at < NOW(3) - INTERVAL ? HOUR) LIMIT ?',
      [hours, HIDDEN, hours, limit],
    ),
  );
  return Number(result.numAffectedRows ?? 0);
}
