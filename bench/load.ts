// Load generator, run as its own process by bench/run.ts so it never shares a thread with a server:
//   node --import tsx bench/load.ts '<LoadConfig as JSON>'
// Warms up, reads the server's SQL statement counter, runs autocannon, reads the counter again and
// prints one JSON line (LoadResult) on stdout.
import autocannon, { type Request, type Result } from 'autocannon';
import { prng } from './common.ts';
import { requestBody, type OperationName } from './operations.ts';
import { cpuSeconds } from './servers.ts';

export type LoadWorkload = OperationName | 'Mixed';

export interface LoadConfig {
  url: string; // http://127.0.0.1:port/graphql
  workload: LoadWorkload;
  connections: number;
  duration: number; // seconds
  warmup: number; // seconds, 0 = none
  seed: number;
  stats: { url: string; kind: 'prometheus' | 'json' } | null;
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
  serverCpuMs: number | null; // server process CPU per completed request, ms
  databaseCpuMs: number | null; // database server CPU per completed request, ms (null when not local)
}

const BODIES = 4_096;
const MIX: [number, OperationName][] = [[0.7, 'UserById'], [0.9, 'Dashboard'], [1, 'PlaceOrder']];

function bodies(workload: LoadWorkload, seed: number): string[] {
  const rand = prng(seed);
  const count = workload === 'Dashboard' ? 1 : BODIES;
  return Array.from({ length: count }, () => {
    const r = rand();
    const op = workload === 'Mixed' ? (MIX.find(([w]) => r < w)?.[1] ?? 'UserById') : workload;
    return JSON.stringify(requestBody(op, rand));
  });
}

/** Sum of every sample of gateway_sql_statements_total (labels, if any, are summed over). */
export function parsePrometheusCounter(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    const value = Number(line.trim().split(/\s+/).at(-1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

async function statements(stats: LoadConfig['stats']): Promise<number | null> {
  if (!stats) return null;
  try {
    const res = await fetch(stats.url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return null;
    if (stats.kind === 'json') return ((await res.json()) as { statements?: number }).statements ?? null;
    return parsePrometheusCounter(await res.text(), 'gateway_sql_statements_total');
  } catch {
    return null; // no counter: the table shows n/a
  }
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

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Lets the requests still in flight when autocannon stops finish on the server. */
const settle = (): Promise<void> => new Promise((ok) => setTimeout(ok, 300));

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '') as LoadConfig;
  const list = bodies(cfg.workload, cfg.seed);
  if (cfg.warmup > 0) await cannon(cfg, list, cfg.warmup);
  await settle();
  const before = await statements(cfg.stats);
  const cpu = () => ({ server: cfg.pids ? cpuSeconds(cfg.pids.server) : null, database: cfg.pids?.database ? cpuSeconds(cfg.pids.database) : null });
  const cpuBefore = cpu();
  const latencies: number[] = [];
  const r = await cannon(cfg, list, cfg.duration, (ms) => latencies.push(ms));
  await settle();
  const sorted = Float64Array.from(latencies).sort();
  const ms = (q: number): number => Math.round(quantile(sorted, q) * 1000) / 1000;
  const cpuAfter = cpu();
  const after = await statements(cfg.stats);
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
    serverCpuMs: perRequest(cpuBefore.server, cpuAfter.server),
    databaseCpuMs: perRequest(cpuBefore.database, cpuAfter.database),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(`load failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
