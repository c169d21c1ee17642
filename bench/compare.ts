// One workload of the comparison: the equivalence check, the prewarm, then rounds that alternate
// between the servers (gateway, baseline, gateway+cache, gateway, baseline, ...).
import { checkEquivalence, type Equivalence } from './equivalence.ts';
import { measure, startGateway, type Bench, type Target } from './harness.ts';
import type { Workload } from './operations.ts';
import { summarize, type RoundResult, type TargetResult } from './report.ts';

/** Workloads that also get a `gateway+cache` row (RESPONSE_CACHE=on): the repeated read, and the read/write mix. */
export const CACHED_WORKLOADS: readonly Workload[] = ['Dashboard', 'Mixed'];

export interface WorkloadResult {
  equivalence: Record<string, Equivalence>;
  targets: Record<string, TargetResult>;
}

/** Checks each subject against the baseline; the labels of those that gave no answer at all (not loaded). */
export async function checkAll(bench: Bench, workload: Workload, baseline: Target, subjects: Target[], log: (line: string) => void): Promise<{ equivalence: Record<string, Equivalence>; silent: Set<string> }> {
  const equivalence: Record<string, Equivalence> = {};
  const silent = new Set<string>();
  for (const s of subjects) {
    const eq = await checkEquivalence(workload, s.server.origin, baseline.server.origin, bench.ctx);
    equivalence[s.label] = eq;
    log(`  ${workload}: ${s.label} vs baseline ${eq.ok ? `identical on ${eq.requests} request(s)` : 'DIFFER'}`);
    for (const p of eq.problems.slice(0, 5)) log(`    ! ${p}`);
    if (!eq.answered) {
      silent.add(s.label);
      log(`  ${workload}: ${s.label} gives no answer: not loading it`);
    }
  }
  return { equivalence, silent };
}

export async function benchWorkload(bench: Bench, workload: Workload, baseline: Target, gateway: Target | null, log: (line: string) => void): Promise<WorkloadResult> {
  const { options } = bench;
  const subjects = gateway ? [gateway] : [];
  let cached: Target | null = null;
  if (gateway && CACHED_WORKLOADS.includes(workload) && options.cache) subjects.push((cached = await startGateway('gateway+cache', 'on', bench.dbUrl, options)));
  try {
    const { equivalence, silent } = await checkAll(bench, workload, baseline, subjects, log);
    const order = (gateway ? [gateway, baseline, ...(cached ? [cached] : [])] : [baseline]).filter((t) => !silent.has(t.label));
    // A fresh server keeps getting faster for tens of seconds (V8 optimises its
    // hot paths; the gateway has more code to optimise than the baseline), so
    // each server first takes unmeasured load: the rounds compare steady states.
    if (options.prewarm > 0) {
      for (const t of order) await measure(bench, t, workload, 0, options.prewarm);
      log(`  ${workload}: prewarmed ${order.map((t) => t.label).join(', ')} for ${options.prewarm} s each`);
    }
    const rounds: Record<string, RoundResult[]> = {};
    for (let round = 1; round <= options.rounds; round++) {
      for (const t of order) {
        const r = await measure(bench, t, workload, round, options.duration);
        (rounds[t.label] ??= []).push(r);
        const rows = r.rowsRead === null ? 'n/a' : (r.rowsRead / Math.max(1, r.sent)).toFixed(1);
        log(`  ${workload} round ${round} ${t.label.padEnd(13)} ${r.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  rows/req ${rows}`);
      }
    }
    const labels = [gateway?.label, 'baseline', cached?.label].filter((l): l is string => l !== undefined);
    const targets = Object.fromEntries(labels.map((label) => [label, { rounds: rounds[label] ?? [], summary: summarize(rounds[label] ?? []) }]));
    return { equivalence, targets };
  } finally {
    if (cached) await cached.server.stop();
  }
}
