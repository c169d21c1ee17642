// The options of bench/run.ts. Every option also reads BENCH_<NAME> from the environment
// (e.g. BENCH_DURATION=3, BENCH_GROWTH=1,5,20); bench/README.md documents each.
import { parseArgs } from 'node:util';
import { dataset } from './common.ts';
import { LOAD_WORKLOADS, type LoadWorkload } from './bodies.ts';
import { OPERATIONS, WORKLOADS, type Workload } from './operations.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' }, warmup: { type: 'string' }, connections: { type: 'string' },
    rounds: { type: 'string' }, workloads: { type: 'string' }, pool: { type: 'string' },
    'no-seed': { type: 'boolean' }, reseed: { type: 'boolean' }, 'no-migrate': { type: 'boolean' }, 'no-cache': { type: 'boolean' },
    'baseline-only': { type: 'boolean' }, soak: { type: 'boolean' }, 'check-only': { type: 'boolean' }, 'no-rows': { type: 'boolean' },
    'soak-minutes': { type: 'string' }, 'soak-workload': { type: 'string' }, 'gateway-env': { type: 'string' },
    prewarm: { type: 'string' }, scale: { type: 'string' }, growth: { type: 'string' },
    sequential: { type: 'string' }, 'sequential-seconds': { type: 'string' }, cursors: { type: 'string' },
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
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, but got "${opt(name, String(fallback))}"`);
  return n;
}
function scaleOf(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} wants whole numbers >= 1, but got "${text}"`);
  dataset(n); // its own bounds check
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

const growth = opt('growth', '').split(',').map((s) => s.trim()).filter(Boolean).map((s) => scaleOf(s, '--growth'));
// Growth mode leaves Mixed out unless asked for: its latency mixes seven shapes into one distribution.
const defaultWorkloads = growth.length > 0 ? OPERATIONS : WORKLOADS;

export const options = {
  duration: num('duration', 10, 1),
  warmup: num('warmup', 3, 0),
  prewarm: num('prewarm', 15, 0),
  connections: num('connections', 16, 1),
  rounds: num('rounds', 2, 1),
  pool: num('pool', 10, 1),
  workloads: opt('workloads', defaultWorkloads.join(',')).split(',').map((w) => w.trim()) as Workload[],
  /** auto: seed unless the scale's database already holds its data set; always: --reseed; never: --no-seed. */
  seed: flag('no-seed') ? 'never' : flag('reseed') ? 'always' : 'auto',
  migrate: !flag('no-migrate'),
  cache: !flag('no-cache'),
  baselineOnly: flag('baseline-only'),
  /** Count rows read per request (MariaDB user statistics, bench/rows.ts). */
  rows: !flag('no-rows'),
  /** Only the equivalence checks: no load. */
  checkOnly: flag('check-only'),
  soak: flag('soak'),
  soakMinutes: num('soak-minutes', 5, 0.5),
  soakWorkload: opt('soak-workload', 'Mixed') as LoadWorkload,
  gatewayEnv: gatewayEnv(opt('gateway-env', '')),
  scale: scaleOf(opt('scale', '1'), '--scale'),
  /** Scales of the growth table; empty: the ordinary comparison. */
  growth,
  /** Sequential (single-request) latency: at most this many requests per server and workload... */
  sequential: num('sequential', 300, 1),
  /** ...or this many seconds, whichever comes first (at least 20 requests). */
  sequentialSeconds: num('sequential-seconds', 10, 1),
  /** How many cursors of the users list DeepPage samples (bench/cursors.ts). */
  cursors: num('cursors', 256, 1),
} as const;

for (const w of options.workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload "${w}" (${WORKLOADS.join(', ')})`);
if (!LOAD_WORKLOADS.includes(options.soakWorkload)) throw new Error(`unknown soak workload "${options.soakWorkload}" (${LOAD_WORKLOADS.join(', ')})`);
if (options.growth.length > 0 && options.soak) throw new Error('--growth and --soak are two different runs: pick one');

export type Options = typeof options;
