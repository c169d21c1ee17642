// The job workers of a process, on a pool of their own (JOB_WORKERS
// connections for the jobs' batches, one more for claims and heartbeats):
// a long import never holds a connection the requests need, and the
// requests' statement counts and metrics stay theirs.
import { configWith, type Config } from '../config.ts';
import { createDb } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Tracing } from '../tracing/tracing.ts';
import { runExportOrdersJob } from './export-orders-job.ts';
import { runImportJob } from './import-job.ts';
import type { JobProgress } from './job-context.ts';
import { startWorkers, type Workers } from './worker.ts';

export interface JobWorkers extends Workers {
  /** Stops the workers (see Workers.stop) and closes their pool. */
  close(graceMs?: number): Promise<void>;
}

/** With `tracing`, each job's run is a span with its statements in it. */
export function startJobWorkers(config: Config, log: Logger, onProgress?: (progress: JobProgress) => void, tracing: Tracing | null = null): JobWorkers {
  const { workers, leaseMs, pollMs, retentionHours } = config.jobs;
  const db = createDb(configWith(config, { dbPoolSize: workers + 1 }), { tracing });
  const running = startWorkers(db, log.child({ component: 'jobs' }), {
    slots: workers,
    leaseMs,
    pollMs,
    retentionHours,
    handlers: { import: runImportJob, export_orders: runExportOrdersJob },
    onProgress,
    tracing,
  });
  log.info({ workers, leaseMs }, `job workers ready (${workers})`);
  return {
    ...running,
    async close(graceMs) {
      await running.stop(graceMs);
      await db.destroy();
    },
  };
}
