// Wires the app to a port: validates the environment, starts tracing when
// OTEL_* asks for it, waits for the database (applying migrations unless
// MIGRATE_ON_START=false), listens, and shuts down gracefully on
// SIGTERM/SIGINT (the last spans exported before the exit).
import { createServer, type ServerResponse } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startCounterCompaction } from './db/counter-compaction.ts';
import { waitForDatabase } from './db/startup.ts';
import { LinkedList } from './linked-list.ts';
import { createLogger } from './logger.ts';
import { startJobWorkers } from './jobs/start.ts';
import { createApp } from './server.ts';
import { startConfiguredTracing } from './tracing/configured.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

// Off (null) unless OTEL_* asks for traces; then the SDK is loaded here, and only here.
const tracing = await startConfiguredTracing(config.tracing);
const log = createLogger(config.logLevel, tracing ? { fields: tracing.logFields } : {});
if (tracing) {
  tracing.reportTo(log);
  log.info({ endpoint: config.tracing.endpoint.replace(/\/\/[^/@]*@/, '//'), protocol: config.tracing.protocol, serviceName: config.tracing.serviceName }, 'tracing on');
}
if (config.auth.jwtSecret === null && config.auth.jwksUrl === null) {
  log.warn('authentication is off (neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set): every request acts as admin');
}

// Registered before waiting for the database, so a stop during start-up is clean too.
let stopping = false;
let stop: ((signal: string) => Promise<void>) | undefined;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (stop) return void stop(signal);
    log.info({ signal }, 'stopped before serving');
    process.exit(0);
  });
}

await waitForDatabase(config, log, { migrate: config.migrateOnStart });

// Background jobs run beside the requests, on a pool of their own (JOB_WORKERS=0: none here).
const jobWorkers = config.jobs.workers > 0 ? startJobWorkers(config, log, undefined, tracing) : null;
const app = createApp(config, { logger: log, jobs: jobWorkers, tracing });
// The count triggers' deltas folded into the counters' totals (COUNTER_COMPACT_MS=0: not here).
const compaction = startCounterCompaction(config, log);
const server = createServer(app.handle);
server.keepAliveTimeout = 65_000;
// A client that takes longer than a whole request may take to send its request is cut off.
server.requestTimeout = config.limits.requestTimeoutMs;

// Responses in flight: on shutdown, those not yet started close their connection when done.
// A linked list, not a Set, so a finished response is not kept alive (see linked-list.ts).
const inFlight = new LinkedList<ServerResponse>();
server.prependListener('request', (_req, res) => {
  const entry = inFlight.push(res);
  if (stopping) res.setHeader('connection', 'close');
  res.once('close', () => {
    inFlight.remove(entry);
    if (stopping) server.closeIdleConnections();
  });
});

server.on('error', (error: NodeJS.ErrnoException) => {
  log.fatal({ code: error.code }, `cannot listen on ${config.host}:${config.port}: ${error.message}`);
  process.exit(1);
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, host: config.host }, `listening on http://${config.host}:${port}/graphql`);
});

stop = async (signal: string) => {
  const graceMs = config.limits.shutdownGraceMs;
  log.info({ signal, graceMs, inFlight: inFlight.size }, 'shutting down: no new connections, finishing in-flight requests');
  for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), graceMs).unref());
  if ((await Promise.race([closed.then(() => 'drained' as const), deadline])) === 'deadline') {
    log.warn({ inFlight: inFlight.size }, 'grace period over; closing remaining connections');
    server.closeAllConnections();
  }
  // Running jobs stop at their next batch and go back to the queue for another worker.
  await jobWorkers?.close(graceMs).catch((error: unknown) => log.error({ err: error }, 'error while stopping the job workers'));
  await compaction?.close().catch((error: unknown) => log.error({ err: error }, 'error while stopping the counter fold'));
  const poolClosed = app.close().then(
    () => true,
    (error: unknown) => {
      log.error({ err: error }, 'error while closing the pool');
      return true;
    },
  );
  const poolDeadline = new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000).unref());
  if (!(await Promise.race([poolClosed, poolDeadline]))) log.warn('the pool did not close within 5 s');
  // The spans still buffered go out now (bounded by the export timeout).
  await tracing?.shutdown();
  log.info('stopped');
  process.exit(0);
};
