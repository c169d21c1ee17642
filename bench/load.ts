// Load generator, run as its own process by bench/run.ts so it never shares a thread with a server:
//   node --import tsx bench/load.ts '<LoadConfig as JSON>'
// Warms up, reads the server's SQL statement counter and the bench database's rows-read counters,
// runs autocannon, reads them again and prints one JSON line (LoadResult) on stdout.
import autocannon, { type Request, type Result } from 'autocannon';
import { bodies, type LoadWorkload } from './bodies.ts';
import type { WorkloadContext } from './inputs.ts';
import { RowsCounter, rowsDelta } from './rows.ts';
import { quantile, statementCount, type StatsSource } from './stats.ts';
import { cpuSeconds } from './servers.ts';

export type { LoadWorkload };

export interface LoadConfig {
  url: string; // http://127.0.0.1:port/graphql
  workload: LoadWorkload;
  connections: number;
  duration: number; // seconds
  warmup: number; // seconds, 0 = none
  seed: number;
  stats: StatsSource | null;
  /** Id ranges and DeepPage's cursors. */
  ctx: WorkloadContext;
  /** Where to read rows read (bench/rows.ts): the database server and the bench database; null = not measured. */
  rows: { serverUrl: string; schema: string } | null;
  /** Processes whose CPU time is read around the measured window: the server, and the database when local. */
  pids?: { server: number; database: number | null };
}

export interface LoadResult {
  requests: number; // completed responses in the measured window
  sent: number; // requests sent in the window (includes those still in flight at the stop)
  reqPerSec: number;
  p50: number; // ms, to the microsecond (autocannon's own histogram keeps whole milliseconds)
  p90: number; // ms
  p99: number; // ms
  non2xx: number;
  errors: number; // socket errors + timeouts
  graphqlErrors: number; // 2xx bodies containing "errors"
  durationSec: number;
  statements: number | null; // SQL statements the server ran for the `sent` requests
  rowsRead: number | null; // rows the bench database read for the `sent` requests (bench/rows.ts)
  rowsByTable: Record<string, number> | null; // the same, per table
  serverCpuMs: number | null; // server process CPU per completed request, ms
  databaseCpuMs: number | null; // database server CPU per completed request, ms (null when not local)
}

/**
 * Runs autocannon; `onLatency` gets every response's latency in ms with
 * sub-millisecond precision (autocannon's result rounds them down to whole ms,
 * which turns a p50 of 1.9 ms into "1" and makes p99/p50 meaningless).
 */
function cannon(cfg: LoadConfig, list: string[], duration: number, onLatency?: (ms: number) => void): Promise<Result> {
  let next = 0;
  const request: Request = {
    method: 'POST',
    path: new URL(cfg.url).pathname,
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9' },
    body: list[0],
  };
  if (list.length > 1) {
    request.setupRequest = (req) => ({ ...req, body: list[next++ % list.length] });
  }
  const run = autocannon({
    url: cfg.url,
    connections: cfg.connections,
    duration,
    timeout: 10,
    requests: [request],
    verifyBody: (body) => !body.includes('"errors"'),
  });
  if (onLatency) run.on('response', (_client, _status, _bytes, ms) => onLatency(ms));
  return run;
}

/**
 * Lets the requests still in flight when autocannon stops finish on the server before the
 * counters are read: autocannon abandons them, the server does not. At least 300 ms, and three
 * times the slowest latency seen (a 100-order list at scale 20 takes longer than 300 ms); when
 * nothing completed in the window, each request took longer than the window itself.
 */
function settle(latencies: readonly number[], windowSeconds: number): Promise<void> {
  const slowest = latencies.length === 0 ? windowSeconds * 1000 : latencies.reduce((m, x) => (x > m ? x : m), 0);
  return new Promise((ok) => setTimeout(ok, Math.min(15_000, Math.max(300, 3 * slowest))));
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '') as LoadConfig;
  const list = bodies(cfg.workload, cfg.seed, cfg.ctx);
  const rows = cfg.rows ? await RowsCounter.open(cfg.rows.serverUrl, cfg.rows.schema) : null;
  const warm: number[] = [];
  if (cfg.warmup > 0) await cannon(cfg, list, cfg.warmup, (ms) => warm.push(ms));
  await settle(warm, cfg.warmup);
  const before = await statementCount(cfg.stats);
  const rowsBefore = rows ? await rows.read() : null;
  const cpu = () => ({ server: cfg.pids ? cpuSeconds(cfg.pids.server) : null, database: cfg.pids?.database ? cpuSeconds(cfg.pids.database) : null });
  const cpuBefore = cpu();
  const latencies: number[] = [];
  const r = await cannon(cfg, list, cfg.duration, (ms) => latencies.push(ms));
  await settle(latencies, cfg.duration);
  const sorted = Float64Array.from(latencies).sort();
  const ms = (q: number): number => Math.round(quantile(sorted, q) * 1000) / 1000;
  const cpuAfter = cpu();
  const after = await statementCount(cfg.stats);
  const rowsAfter = rows ? await rows.read() : null;
  await rows?.close();
  const rowsUsed = rowsDelta(rowsBefore, rowsAfter);
  const perRequest = (a: number | null, b: number | null): number | null =>
    a === null || b === null || r.requests.total === 0 ? null : Math.round(((b - a) * 1000 * 1000) / r.requests.total) / 1000;
  const result: LoadResult = {
    requests: r.requests.total,
    sent: r.requests.sent,
    reqPerSec: r.requests.total / r.duration,
    p50: ms(0.5),
    p90: ms(0.9),
    p99: ms(0.99),
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    graphqlErrors: r.mismatches,
    durationSec: r.duration,
    statements: before === null || after === null ? null : after - before,
    rowsRead: rowsUsed?.total ?? null,
    rowsByTable: rowsUsed?.byTable ?? null,
    serverCpuMs: perRequest(cpuBefore.server, cpuAfter.server),
    databaseCpuMs: perRequest(cpuBefore.database, cpuAfter.database),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(`load failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
