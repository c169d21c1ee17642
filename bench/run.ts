// Benchmark orchestrator: seeds the bench database, starts the gateway and the hand-written baseline,
// checks they answer alike, then loads them in turns (G, B, G, B ...) and prints the ratios.
//   tsx bench/run.ts [--duration 10] [--warmup 3] [--connections 16] [--rounds 2]
//                    [--workloads UserById,Dashboard,PlaceOrder] [--pool 10] [--no-seed] [--no-migrate]
//                    [--no-cache] [--baseline-only] [--soak [--soak-minutes 5] [--soak-workload Mixed]]
//                    [--gateway-env KEY=value,KEY=value]   (a lever to measure, e.g. COMPILED_QUERIES=false)
//                    [--prewarm 15]   (seconds of unmeasured load per server and workload before its rounds)
// Every option also reads BENCH_<NAME> from the environment (e.g. BENCH_DURATION=3).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDatabaseUrl } from './common.ts';
import { checkEquivalence, type Equivalence } from './equivalence.ts';
import type { LoadConfig, LoadResult, LoadWorkload } from './load.ts';
import { WORKLOADS, type OperationName } from './operations.ts';
import { renderTable, renderTargets, summarize, type RoundResult, type TargetResult } from './report.ts';
import { seedBench } from './seed.ts';
import { databasePid, ROOT, rssMb, startServer, type Server } from './servers.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' }, warmup: { type: 'string' }, connections: { type: 'string' },
    rounds: { type: 'string' }, workloads: { type: 'string' }, pool: { type: 'string' },
    'no-seed': { type: 'boolean' }, 'no-migrate': { type: 'boolean' }, 'no-cache': { type: 'boolean' },
    'baseline-only': { type: 'boolean' }, soak: { type: 'boolean' },
    'soak-minutes': { type: 'string' }, 'soak-workload': { type: 'string' }, 'gateway-env': { type: 'string' },
    prewarm: { type: 'string' },
  },
});

function opt(name: keyof typeof args, fallback: string): string {
  const v = args[name] ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  return v === undefined || v === true || v === false ? fallback : String(v);
}
function flag(name: keyof typeof args): boolean {
  return args[name] === true || /^(1|true|yes)$/i.test(process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? '');
}
function num(name: keyof typeof args, fallback: number, min: number): number {
  const n = Number(opt(name, String(fallback)));
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
}

/** `KEY=value,KEY=value` -> environment entries for the gateway processes (the baseline never gets them). */
function gatewayEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq <= 0 || !/^[A-Z][A-Z0-9_]*$/.test(entry.slice(0, eq))) throw new Error(`--gateway-env wants KEY=value[,KEY=value], but got "${entry}"`);
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

const options = {
  duration: num('duration', 10, 1),
  warmup: num('warmup', 3, 0),
  prewarm: num('prewarm', 15, 0),
  connections: num('connections', 16, 1),
  rounds: num('rounds', 2, 1),
  pool: num('pool', 10, 1),
  workloads: opt('workloads', WORKLOADS.join(',')).split(',').map((w) => w.trim()) as OperationName[],
  seed: !flag('no-seed'),
  migrate: !flag('no-migrate'),
  cache: !flag('no-cache'),
  baselineOnly: flag('baseline-only'),
  soak: flag('soak'),
  soakMinutes: num('soak-minutes', 5, 0.5),
  soakWorkload: opt('soak-workload', 'Mixed') as LoadWorkload,
  gatewayEnv: gatewayEnv(opt('gateway-env', '')),
};
for (const w of options.workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload "${w}" (${WORKLOADS.join(', ')})`);
if (![...WORKLOADS, 'Mixed'].includes(options.soakWorkload)) throw new Error(`unknown soak workload "${options.soakWorkload}"`);

const dbUrl = benchDatabaseUrl();
const servers: Server[] = [];
const log = (line: string): void => console.log(line);

interface Target {
  label: string;
  server: Server;
  stats: LoadConfig['stats'];
}

function gatewayTarget(label: string, server: Server): Target {
  return { label, server, stats: { url: `${server.origin}/metrics`, kind: 'prometheus' } };
}

async function startGateway(label: string, cache: 'on' | 'off'): Promise<Target> {
  try {
    const server = await startServer({
      name: label,
      script: 'src/main.ts',
      readyPath: '/ready',
      env: { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', DB_POOL_SIZE: String(options.pool), ...options.gatewayEnv, RESPONSE_CACHE: cache },
    });
    servers.push(server);
    return gatewayTarget(label, server);
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

async function measure(target: Target, workload: LoadWorkload, round: number, duration: number): Promise<RoundResult> {
  const result = await runLoad({
    url: `${target.server.origin}/graphql`, workload, connections: options.connections,
    duration, warmup: options.warmup, seed: 1_000 + round, stats: target.stats,
    pids: { server: target.server.pid, database: databasePid() },
  });
  if (target.server.child.exitCode !== null) throw new Error(`${target.label} died during the run:\n${target.server.tail()}`);
  return { round, ...result, rssMb: rssMb(target.server.pid) };
}

async function benchWorkload(workload: OperationName, baseline: Target, gateway: Target | null): Promise<{
  equivalence: Record<string, Equivalence>;
  targets: Record<string, TargetResult>;
}> {
  const subjects = gateway ? [gateway] : [];
  let cached: Target | null = null;
  if (gateway && workload === 'Dashboard' && options.cache) subjects.push((cached = await startGateway('gateway+cache', 'on')));
  try {
    const equivalence: Record<string, Equivalence> = {};
    const silent = new Set<string>();
    for (const s of subjects) {
      const eq = await checkEquivalence(workload, s.server.origin, baseline.server.origin);
      equivalence[s.label] = eq;
      log(`  ${workload}: ${s.label} vs baseline ${eq.ok ? `identical on ${eq.requests} request(s)` : 'DIFFER'}`);
      for (const p of eq.problems.slice(0, 5)) log(`    ! ${p}`);
      if (!eq.answered) {
        silent.add(s.label);
        log(`  ${workload}: ${s.label} gives no answer: not loading it`);
      }
    }
    const order = (gateway ? [gateway, baseline, ...(cached ? [cached] : [])] : [baseline]).filter((t) => !silent.has(t.label));
    // A fresh server keeps getting faster for tens of seconds (V8 optimises its
    // hot paths; the gateway has more code to optimise than the baseline), so
    // each server first takes unmeasured load: the rounds compare steady states.
    if (options.prewarm > 0) {
      for (const t of order) await measure(t, workload, 0, options.prewarm);
      log(`  ${workload}: prewarmed ${order.map((t) => t.label).join(', ')} for ${options.prewarm} s each`);
    }
    const rounds: Record<string, RoundResult[]> = {};
    for (let round = 1; round <= options.rounds; round++) {
      for (const t of order) {
        const r = await measure(t, workload, round, options.duration);
        (rounds[t.label] ??= []).push(r);
        log(`  ${workload} round ${round} ${t.label.padEnd(13)} ${r.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms`);
      }
    }
    const targets = Object.fromEntries(
      [gateway?.label, 'baseline', cached?.label].filter((l): l is string => l !== undefined).map((label) => [label, { rounds: rounds[label] ?? [], summary: summarize(rounds[label] ?? []) }]),
    );
    return { equivalence, targets };
  } finally {
    if (cached) await cached.server.stop();
  }
}

/** Least-squares slope of RSS (MB) over time (minutes). */
function slope(samples: { minute: number; rssMb: number }[]): number | null {
  const n = samples.length;
  if (n < 2) return null;
  const mx = samples.reduce((s, p) => s + p.minute, 0) / n;
  const my = samples.reduce((s, p) => s + p.rssMb, 0) / n;
  const sxx = samples.reduce((s, p) => s + (p.minute - mx) ** 2, 0);
  return sxx === 0 ? null : samples.reduce((s, p) => s + (p.minute - mx) * (p.rssMb - my), 0) / sxx;
}

async function soak(target: Target): Promise<Record<string, unknown>> {
  const started = Date.now();
  const samples: { minute: number; rssMb: number }[] = [];
  const sample = (): void => {
    const mb = rssMb(target.server.pid);
    if (mb !== null) samples.push({ minute: (Date.now() - started) / 60_000, rssMb: Math.round(mb * 10) / 10 });
    const last = samples.at(-1);
    if (last) log(`  soak ${last.minute.toFixed(1).padStart(4)} min  RSS ${last.rssMb.toFixed(1)} MB`);
  };
  sample();
  const timer = setInterval(sample, 10_000);
  const result = await measure(target, options.soakWorkload, 1, options.soakMinutes * 60).finally(() => clearInterval(timer));
  sample();
  const steady = samples.filter((s) => s.minute >= (options.soakMinutes + options.warmup / 60) / 2);
  const out = {
    target: target.label, workload: options.soakWorkload, minutes: options.soakMinutes, result, samples,
    slopeMbPerMin: slope(samples), steadySlopeMbPerMin: slope(steady),
  };
  log(`\nsoak ${target.label} ${options.soakWorkload}: ${result.reqPerSec.toFixed(0)} req/s, RSS ${samples[0]?.rssMb} -> ${samples.at(-1)?.rssMb} MB, ` +
    `slope ${out.slopeMbPerMin?.toFixed(2)} MB/min overall, ${out.steadySlopeMbPerMin?.toFixed(2)} MB/min over the second half`);
  return out;
}

async function stopAll(): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}

async function main(): Promise<void> {
  log(`bench: ${dbUrl.replace(/\/\/[^@/]*@/, '//***@')}, ${JSON.stringify(options)}`);
  if (options.seed) await seedBench(dbUrl, { migrate: options.migrate, log });
  const baselineServer = await startServer({
    name: 'baseline', script: 'bench/baseline.ts', readyPath: '/stats',
    env: { DATABASE_URL: dbUrl, DB_POOL_SIZE: String(options.pool) },
  });
  servers.push(baselineServer);
  const baseline: Target = { label: 'baseline', server: baselineServer, stats: { url: `${baselineServer.origin}/stats`, kind: 'json' } };
  const gateway = options.baselineOnly ? null : await startGateway('gateway', 'off');
  log(`servers: baseline pid ${baselineServer.pid}${gateway ? `, gateway pid ${gateway.server.pid}` : ''}`);

  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(), options, node: process.version, cpus: cpus().length, workloads: {},
  };
  if (options.soak) {
    results.soak = await soak(gateway ?? baseline);
  } else {
    const workloads: Record<string, Awaited<ReturnType<typeof benchWorkload>>> = {};
    for (const w of options.workloads) workloads[w] = await benchWorkload(w, baseline, gateway);
    results.workloads = workloads;
    const table = Object.fromEntries(Object.entries(workloads).map(([w, r]) => [w, r.targets]));
    log(`\n${renderTable(table, options.rounds)}\n\n${renderTargets(table)}`);
    const unequal = Object.entries(workloads).flatMap(([w, r]) => Object.entries(r.equivalence).filter(([, e]) => !e.ok).map(([t]) => `${w}/${t}`));
    if (unequal.length > 0) log(`\nWARNING: responses differ from the baseline for ${unequal.join(', ')} (details in the JSON)`);
  }
  const dir = resolve(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nresults: ${file}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void stopAll().finally(() => process.exit(130)));
}
main()
  .catch((err: unknown) => {
    console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
