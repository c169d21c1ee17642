// The servers under test and the two ways of measuring them: a load round in its own process
// (bench/load.ts, autocannon) and a sequential pass (bench/sequential.ts, one request at a time).
// Both read the server's statement counter and the bench database's rows read around the window.
import { spawn } from 'node:child_process';
import { bodies, type LoadWorkload } from './bodies.ts';
import { databaseName, serverUrl } from './common.ts';
import type { WorkloadContext } from './inputs.ts';
import type { LoadConfig, LoadResult } from './load.ts';
import type { Options } from './options.ts';
import type { RoundResult } from './report.ts';
import { RowsCounter, rowsDelta } from './rows.ts';
import { runSequential, type SequentialResult } from './sequential.ts';
import { databasePid, ROOT, rssMb, startServer, type Server } from './servers.ts';
import { statementCount, type StatsSource } from './stats.ts';

export interface Target {
  label: string;
  server: Server;
  stats: StatsSource;
}

/** One data set under test: its database, and what the requests need to know of it. */
export interface Bench {
  dbUrl: string;
  ctx: WorkloadContext;
  options: Options;
}

export async function startBaseline(dbUrl: string, options: Options): Promise<Target> {
  const server = await startServer({
    name: 'baseline', script: 'bench/baseline.ts', readyPath: '/stats',
    env: { DATABASE_URL: dbUrl, DB_POOL_SIZE: String(options.pool) },
  });
  return { label: 'baseline', server, stats: { url: `${server.origin}/stats`, kind: 'json' } };
}

export async function startGateway(label: string, cache: 'on' | 'off', dbUrl: string, options: Options): Promise<Target> {
  try {
    const server = await startServer({
      name: label,
      script: 'src/main.ts',
      readyPath: '/ready',
      env: { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', DB_POOL_SIZE: String(options.pool), ...options.gatewayEnv, RESPONSE_CACHE: cache },
    });
    return { label, server, stats: { url: `${server.origin}/metrics`, kind: 'prometheus' } };
  } catch (err) {
    throw new Error(`the gateway did not start: ${err instanceof Error ? err.message : String(err)}\n` +
      '  (run with --baseline-only to measure the baseline alone)');
  }
}

function runLoad(cfg: LoadConfig): Promise<LoadResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(cfg)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const limit = setTimeout(() => child.kill('SIGKILL'), (cfg.duration + cfg.warmup + 60) * 1000);
    child.on('exit', (code) => {
      clearTimeout(limit);
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) ok(JSON.parse(last) as LoadResult);
      else fail(new Error(`load generator exited with ${code}: ${err.trim() || out.trim()}`));
    });
  });
}

const rowsSource = (bench: Bench): LoadConfig['rows'] =>
  bench.options.rows ? { serverUrl: serverUrl(bench.dbUrl), schema: databaseName(bench.dbUrl) } : null;

/** One load round of `duration` seconds (after the warm-up) at options.connections. */
export async function measure(bench: Bench, target: Target, workload: LoadWorkload, round: number, duration: number): Promise<RoundResult> {
  const { options } = bench;
  const result = await runLoad({
    url: `${target.server.origin}/graphql`, workload, connections: options.connections,
    duration, warmup: options.warmup, seed: 1_000 + round, stats: target.stats, ctx: bench.ctx, rows: rowsSource(bench),
    pids: { server: target.server.pid, database: databasePid() },
  });
  if (target.server.child.exitCode !== null) throw new Error(`${target.label} died during the run:\n${target.server.tail()}`);
  return { round, ...result, rssMb: rssMb(target.server.pid) };
}

export interface SequentialPass extends SequentialResult {
  /** Per request, exact: nothing else runs on the bench database during the pass. */
  stmtsPerReq: number | null;
  rowsPerReq: number | null;
  rowsByTable: Record<string, number> | null;
}

/**
 * Single-request latency: requests one after the other on one connection, nothing else loading
 * the server. A few unmeasured requests first, so the first measured one does not pay for
 * connecting, preparing statements or compiling the document.
 */
export async function sequentialPass(bench: Bench, target: Target, workload: LoadWorkload): Promise<SequentialPass> {
  const { options } = bench;
  const list = bodies(workload, 2_000, bench.ctx, Math.min(options.sequential, 4_096));
  await runSequential(target.server.origin, list.slice(-20), { count: 20, seconds: options.sequentialSeconds });
  const source = rowsSource(bench);
  const rows = source ? await RowsCounter.open(source.serverUrl, source.schema) : null;
  try {
    const [stmtsBefore, rowsBefore] = [await statementCount(target.stats), await rows?.read() ?? null];
    const result = await runSequential(target.server.origin, list, { count: options.sequential, seconds: options.sequentialSeconds, minCount: 20 });
    const [stmtsAfter, rowsAfter] = [await statementCount(target.stats), await rows?.read() ?? null];
    const used = rowsDelta(rowsBefore, rowsAfter);
    const per = (n: number): number => Math.round((n / Math.max(1, result.requests)) * 100) / 100;
    return {
      ...result,
      stmtsPerReq: stmtsBefore === null || stmtsAfter === null ? null : per(stmtsAfter - stmtsBefore),
      rowsPerReq: used ? per(used.total) : null,
      rowsByTable: used ? Object.fromEntries(Object.entries(used.byTable).map(([t, n]) => [t, per(n)])) : null,
    };
  } finally {
    await rows?.close();
  }
}
