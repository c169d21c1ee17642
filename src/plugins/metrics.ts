// Prometheus metrics of one app, in a Registry of its own (never prom-client's
// global one, so apps built side by side in tests do not mix): requests and
// their durations by operation name, errors by code, SQL statements and their
// durations, pool connections in use / idle / waiting. Served at /metrics.
import type { ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/pool.ts';
import type { RequestRecord } from './logging.ts';

/** Distinct operation names kept as label values; later ones are counted as "other". */
const MAX_OPERATION_LABELS = 200;

export interface Metrics {
  readonly registry: Registry;
  /** Counts one finished API request (probes are not counted). */
  observe(record: RequestRecord): void;
  /** Writes the Prometheus text exposition. */
  respond(res: ServerResponse): Promise<void>;
  close(): void;
}

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'GraphQL HTTP requests by operation name and HTTP status.',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Time from request arrival to the end of the response, by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'gateway_errors_total',
    help: 'Errors sent to clients, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const statements = new Counter({
    name: 'gateway_sql_statements_total',
    help: 'SQL statements run against the database.',
    registers: [registry],
  });
  const statementFailures = new Counter({
    name: 'gateway_sql_statement_failures_total',
    help: 'SQL statements that ended in an error.',
    registers: [registry],
  });
  const statementDurations = new Histogram({
    name: 'gateway_sql_statement_duration_seconds',
    help: 'Time from sending a SQL statement to its result.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_db_pool_connections',
    help: 'Database pool connections by state (in_use, idle).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const usage = db.poolUsage();
      this.set({ state: 'in_use' }, usage.inUse);
      this.set({ state: 'idle' }, usage.idle);
    },
  });
  new Gauge({
    name: 'gateway_db_pool_waiting',
    help: 'Requests waiting for a database pool connection.',
    registers: [registry],
    collect() {
      this.set(db.poolUsage().waiting);
    },
  });

  const unsubscribe = db.stats.onStatement((event) => {
    statements.inc();
    if (event.errorCode !== null) statementFailures.inc();
    statementDurations.observe(event.durationMs / 1000);
  });

  const operationLabels = new Set<string>();
  const operationLabel = (operation: string | null) => {
    const name = operation ?? 'none';
    if (operationLabels.has(name)) return name;
    if (operationLabels.size >= MAX_OPERATION_LABELS) return 'other';
    operationLabels.add(name);
    return name;
  };

  return {
    registry,
    observe(record) {
      if (record.path === '/health' || record.path === '/ready' || record.path === '/metrics') return;
      const operation = operationLabel(record.operation);
      requests.inc({ operation, status: String(record.status) });
      durations.observe({ operation }, record.durationMs / 1000);
      for (const code of record.errorCodes) errors.inc({ code });
    },
    async respond(res) {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
    close() {
      unsubscribe();
      registry.clear();
    },
  };
}
