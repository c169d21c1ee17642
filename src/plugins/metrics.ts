// Prometheus metrics of one app, in a Registry of its own (never prom-client's
// global one, so apps built side by side in tests do not mix): requests and
// their durations by operation name, errors by code, SQL statements and their
// durations, pool connections in use / idle / waiting. Served at /metrics.
// The series counted on every request and every statement are LeanCounter /
// LeanHistogram: plain numbers per label set, rendered by prom-client at
// scrape time. prom-client's own Counter/Histogram hash and validate their
// labels on every call, which showed in the per-request CPU profile.
import type { ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
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
  const requests = new LeanCounter('gateway_requests_total', 'GraphQL HTTP requests by operation name and HTTP status.', registry);
  const durations = new LeanHistogram(
    'gateway_request_duration_seconds',
    'Time from request arrival to the end of the response, by operation name.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  );
  const errors = new LeanCounter('gateway_errors_total', 'Errors sent to clients, by extensions.code.', registry);
  const statements = new LeanCounter('gateway_sql_statements_total', 'SQL statements run against the database.', registry).series('', {});
  const statementFailures = new LeanCounter('gateway_sql_statement_failures_total', 'SQL statements that ended in an error.', registry).series('', {});
  const statementDurations = new LeanHistogram(
    'gateway_sql_statement_duration_seconds',
    'Time from sending a SQL statement to its result.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registry,
  ).series('', {});
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

  // Read replicas (DATABASE_REPLICA_URLS): per server, its pool, whether it is in rotation, its lag and the reads it answered.
  if (db.replicas().length) {
    new Gauge({
      name: 'gateway_db_replica_pool_connections',
      help: 'Read replica pool connections by server and state (in_use, idle, waiting).',
      labelNames: ['server', 'state'] as const,
      registers: [registry],
      collect() {
        for (const { server, pool } of db.replicas()) {
          this.set({ server, state: 'in_use' }, pool.inUse);
          this.set({ server, state: 'idle' }, pool.idle);
          this.set({ server, state: 'waiting' }, pool.waiting);
        }
      },
    });
    new Gauge({
      name: 'gateway_db_replica_in_rotation',
      help: 'Whether a read replica takes reads (1) or is out of rotation (0): lagging, stopped or not answering.',
      labelNames: ['server'] as const,
      registers: [registry],
      collect() {
        for (const { server, inRotation } of db.replicas()) this.set({ server }, inRotation ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gateway_db_replica_lag_seconds',
      help: 'Measured lag of a read replica behind the primary (-1: unknown, or beyond REPLICA_MAX_LAG_MS).',
      labelNames: ['server'] as const,
      registers: [registry],
      collect() {
        for (const { server, lagMs } of db.replicas()) this.set({ server }, lagMs === null ? -1 : lagMs / 1000);
      },
    });
    new Counter({
      name: 'gateway_db_reads_total',
      help: 'Plain reads by the server that answered them: a replica, or the primary when none could.',
      labelNames: ['server'] as const,
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ server: 'primary' }, db.primaryReads());
        for (const { server, reads } of db.replicas()) this.inc({ server }, reads);
      },
    });
  }

  const unsubscribe = db.stats.onStatement((event) => {
    statements.add(event.statements);
    if (event.errorCode !== null) statementFailures.add(1);
    statementDurations.add(event.durationMs / 1000);
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
      requests.series(`${operation}\u0000${record.status}`, { operation, status: String(record.status) }).add(1);
      durations.series(operation, { operation }).add(record.durationMs / 1000);
      for (const code of record.errorCodes) errors.series(code, { code }).add(1);
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

type Labels = Record<string, string>;

/** What prom-client's Registry reads from a metric when it renders /metrics. */
interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/** One labelled series: add() is all the hot path calls. */
interface Series {
  add(value: number): void;
}

/** A Prometheus counter as plain numbers per label set; `series` is looked up by a caller-made key. */
class LeanCounter {
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;
  readonly #series = new Map<string, { labels: Labels; value: number; add(value: number): void }>();

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series for `labels`, found by `key` (which must identify the labels). */
  series(key: string, labels: Labels): Series {
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, value: 0, add(value: number) { this.value += value; } };
      this.#series.set(key, series);
    }
    return series;
  }

  async get(): Promise<Exported> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...this.#series.values()].map(({ labels, value }) => ({ labels, value })),
    };
  }

  reset(): void {
    this.#series.clear();
  }
}

/** A Prometheus histogram as plain numbers per label set: add() finds one bucket and adds. */
class LeanHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number; add(value: number): void }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  series(key: string, labels: Labels): Series {
    let series = this.#series.get(key);
    if (!series) {
      const bounds = this.buckets;
      series = {
        labels,
        counts: bounds.map(() => 0),
        sum: 0,
        count: 0,
        add(value: number) {
          this.sum += value;
          this.count++;
          for (let i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]!) {
              this.counts[i]!++;
              break;
            }
          }
        },
      };
      this.#series.set(key, series);
    }
    return series;
  }

  async get(): Promise<Exported> {
    const values: Exported['values'] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}
