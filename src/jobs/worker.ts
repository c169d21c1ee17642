// The workers of one process: up to `slots` jobs at once, each claimed from
// the jobs table (see claimJob), its lease renewed by a heartbeat every third
// of the lease, its outcome recorded. Idle, the loop asks the database once
// per poll whether any job waits (or sooner, when wake() says one was just
// queued here). A job's failure, expected or not, ends that job, never the
// process. stop() lets running jobs stop at their next batch and gives them
// back to the queue, so another worker resumes them at their checkpoint.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/pool.ts';
import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { JobSpan, Tracing } from '../tracing/tracing.ts';
import type { JobHandler, JobProgress, JobWake } from './job-context.ts';
import { anyClaimable, claimJob, deleteExpiredJobs, finishJob, releaseJob, renewLease, MAX_ATTEMPTS, type JobRow, type JobType } from './job.repository.ts';

export interface WorkerOptions {
  readonly slots: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly retentionHours: number;
  readonly handlers: Partial<Record<JobType, JobHandler>>;
  /** After each committed batch of a job, and when a job's status changes. */
  readonly onProgress?: (progress: JobProgress) => void;
  /** With tracing on: each job's run is a span (job <type>), its statements in it. */
  readonly tracing?: Tracing | null;
}

export interface Workers extends JobWake {
  /** Jobs running here now. */
  running(): number;
  /** Stops claiming; running jobs stop at their next batch and go back to the queue. */
  stop(graceMs?: number): Promise<void>;
}

/** How often finished jobs past their retention are deleted. */
const RETENTION_SWEEP_MS = 10 * 60_000;

export function startWorkers(db: Db, log: Logger, options: WorkerOptions): Workers {
  const prefix = `${hostname().slice(0, 20)}:${process.pid}`;
  const active = new Set<Promise<void>>();
  let stopping = false;
  let wakeUp: (() => void) | null = null;
  let lastSweep = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        if (Date.now() - lastSweep > RETENTION_SWEEP_MS) {
          lastSweep = Date.now();
          const deleted = await deleteExpiredJobs(db, options.retentionHours);
          if (deleted > 0) log.info({ deleted }, `deleted ${deleted} job(s) past their retention`);
        }
        if (active.size < options.slots && (await anyClaimable(db))) {
          const owner = `${prefix}:${randomUUID()}`;
          const job = await claimJob(db, owner, options.leaseMs);
          if (job) {
            run(job, owner);
            continue;
          }
        }
        failures = 0;
      } catch (error) {
        failures++;
        log.warn({ err: error }, 'the job workers cannot reach the database; retrying');
      }
      await sleep(failures > 0 ? Math.min(30_000, options.pollMs * 2 ** failures) : options.pollMs);
    }
  }

  function run(job: JobRow, owner: string): void {
    let lost = false;
    const heartbeat = setInterval(() => {
      renewLease(db, job.id, owner, options.leaseMs).then(
        (held) => {
          if (!held) lost = true;
        },
        (error: unknown) => log.warn({ err: error, jobId: job.id }, 'could not renew a job lease'),
      );
    }, Math.max(100, Math.floor(options.leaseMs / 3)));
    const jobLog = log.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
    const work = async (span: JobSpan | null) => {
      jobLog.info('job started');
      const handler = options.handlers[job.type];
      try {
        const outcome = handler
          ? await handler(
              { db, owner, leaseMs: options.leaseMs, log: jobLog, stopping: () => stopping || lost, onProgress: (p) => options.onProgress?.(p) },
              job,
            )
          : ({ kind: 'finished', status: 'FAILED', report: null, error: `no worker here runs jobs of type ${job.type}` } as const);
        if (outcome.kind === 'finished') {
          const recorded = await finishJob(db, job.id, owner, outcome);
          jobLog.info({ status: outcome.status, recorded }, `job ${outcome.status.toLowerCase()}`);
          span?.outcome(outcome.status.toLowerCase(), outcome.status === 'FAILED');
        } else if (outcome.kind === 'released') {
          if (!lost) await releaseJob(db, job.id, owner, 0, null);
          jobLog.info('job given back to the queue');
          span?.outcome('released', false);
        } else if (outcome.kind === 'retry') {
          await retryLater(job, owner, outcome.error, jobLog);
          span?.outcome('retry', true);
        } else {
          jobLog.warn('job taken over by another worker; left to it');
          span?.outcome('taken_over', false);
        }
      } catch (error) {
        // A bug or a fault of the job itself: it ends this job, never the process.
        span?.outcome('error', true);
        await retryLater(job, owner, error, jobLog).catch((e: unknown) => jobLog.error({ err: e }, 'could not record a job failure'));
      } finally {
        clearInterval(heartbeat);
        options.onProgress?.({ jobId: job.id, rowsDone: -1, rowsTotal: null });
      }
    };
    const tracing = options.tracing ?? null;
    const task = tracing ? tracing.job(job.type, { 'gateway.job.id': job.id, 'gateway.job.attempt': job.attempts }, work) : work(null);
    active.add(task);
    void task.finally(() => {
      active.delete(task);
      wakeUp?.();
    });
  }

  /** A database failure is retried (back to the queue after a pause) while attempts remain; anything else fails the job. */
  async function retryLater(job: JobRow, owner: string, error: unknown, jobLog: Logger): Promise<void> {
    const transient = isAppError(error) && (error.code === 'SERVICE_UNAVAILABLE' || error.code === 'TIMEOUT');
    const message = isAppError(error) ? error.message : 'Unexpected error.';
    if (transient && job.attempts < MAX_ATTEMPTS) {
      const delayMs = Math.min(60_000, 1000 * 2 ** job.attempts);
      jobLog.warn({ err: error, delayMs }, 'job failed on the database; queued again');
      await releaseJob(db, job.id, owner, delayMs, message);
      return;
    }
    jobLog.error({ err: error }, 'job failed');
    await finishJob(db, job.id, owner, { status: 'FAILED', report: null, error: transient ? `${message} (after ${job.attempts} attempts)` : message });
  }

  const looping = loop();
  return {
    wake: () => wakeUp?.(),
    running: () => active.size,
    async stop(graceMs = 10_000) {
      stopping = true;
      wakeUp?.();
      await looping;
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.all(active), grace]);
    },
  };
}
