// `npm run worker`: a process that only runs background jobs (JOB_WORKERS of
// them at once, default 2), beside or instead of the gateways' own workers.
// SIGTERM/SIGINT: stop claiming, let running jobs stop at their next batch
// and go back to the queue (another worker resumes them), exit 0.
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { startCounterCompaction } from '../db/counter-compaction.ts';
import { waitForDatabase } from '../db/startup.ts';
import { startJobWorkers } from '../jobs/start.ts';
import { createLogger } from '../logger.ts';
import { startConfiguredTracing } from '../tracing/configured.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : String(error));
  process.exit(1);
}
if (config.jobs.workers === 0) {
  console.error('Invalid JOB_WORKERS: a worker process needs at least 1, but got 0');
  process.exit(1);
}
// Off unless OTEL_* asks for traces: then each job's run is a span with its statements.
const tracing = await startConfiguredTracing(config.tracing);
const log = createLogger(config.logLevel, tracing ? { fields: tracing.logFields } : {});
tracing?.reportTo(log);
let stopping = false;
let close: ((graceMs: number) => Promise<void>) | null = null;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: running jobs go back to the queue at their next batch');
    void (close ? close(config.limits.shutdownGraceMs) : Promise.resolve()).then(async () => {
      await tracing?.shutdown();
      log.info('stopped');
      process.exit(0);
    });
  });
}
await waitForDatabase(config, log, { migrate: config.migrateOnStart });
const workers = startJobWorkers(config, log, undefined, tracing);
// Worker processes fold the count triggers' deltas too (COUNTER_COMPACT_MS=0: not here).
const compaction = startCounterCompaction(config, log);
close = async (graceMs) => {
  await workers.close(graceMs);
  await compaction?.close();
};
