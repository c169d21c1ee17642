// What a job's handler gets from its worker, and what it hands back.
import type { Db } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { JobRow } from './job.repository.ts';

/**
 * What a process's job workers offer its requests: a nudge to look for work
 * now, after a request queued a job here (any process's workers find it
 * within their poll anyway).
 */
export interface JobWake {
  wake(): void;
}

export interface JobProgress {
  readonly jobId: string;
  readonly rowsDone: number;
  readonly rowsTotal: number | null;
}

export interface JobContext {
  /** The workers' own pool: a long job never holds connections the requests need. */
  readonly db: Db;
  /** This claim's lease token (jobs.lease_owner). */
  readonly owner: string;
  readonly leaseMs: number;
  readonly log: Logger;
  /** True once the job should stop at its next batch without ending (the worker stops, or lost the lease). */
  stopping(): boolean;
  /** After each committed batch. */
  onProgress(progress: JobProgress): void;
}

export type JobOutcome =
  /** The job ended: this status, report and error (or cancel note) are recorded. */
  | { kind: 'finished'; status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'; report: unknown; error: string | null }
  /** It stopped early on purpose (the worker stops): back to the queue, to resume at its checkpoint. */
  | { kind: 'released' }
  /** A failure that may pass (the database away): back to the queue after a pause, while attempts remain. */
  | { kind: 'retry'; error: unknown }
  /** Another worker holds the job now: leave it alone. */
  | { kind: 'lost' };

export type JobHandler = (ctx: JobContext, job: JobRow) => Promise<JobOutcome>;
