// Growth mode (--growth 1,5,20): for each scale, its own database (seeded unless it already holds
// that data set), fresh servers, and per workload: the equivalence check, the single-request
// latency (sequential, median and p95 of many) with exact rows read and statements per request,
// then req/s at --connections (prewarm and rounds as in the comparison).
import { benchDatabaseUrl } from './common.ts';
import { checkAll } from './compare.ts';
import { walkUserCursors } from './cursors.ts';
import { measure, sequentialPass, startBaseline, startGateway, type Bench, type SequentialPass, type Target } from './harness.ts';
import type { Options } from './options.ts';
import type { Workload } from './operations.ts';
import { summarize, type RoundResult, type Summary } from './report.ts';
import { prepareData } from './prepare.ts';
import type { Equivalence } from './equivalence.ts';

export interface GrowthCell {
  sequential: SequentialPass;
  load: { rounds: RoundResult[]; summary: Summary };
}

/** scale -> workload -> server label -> figures */
export type GrowthResults = Record<string, Record<string, { equivalence: Record<string, Equivalence>; servers: Record<string, GrowthCell> }>>;

export async function runGrowth(options: Options, log: (line: string) => void, track: (t: Target) => void): Promise<GrowthResults> {
  const results: GrowthResults = {};
  for (const scale of options.growth) {
    const dbUrl = benchDatabaseUrl(scale);
    log(`\ngrowth: scale ${scale}`);
    await prepareData(dbUrl, scale, options, log);
    const baseline = await startBaseline(dbUrl, options);
    track(baseline);
    const gateway = options.baselineOnly ? null : await startGateway('gateway', 'off', dbUrl, options);
    if (gateway) track(gateway);
    try {
      const needsCursors = options.workloads.some((w) => w === 'DeepPage' || w === 'Mixed');
      const userCursors = needsCursors ? await walkUserCursors((gateway ?? baseline).server.origin, options.cursors) : [];
      const bench: Bench = { dbUrl, ctx: { scale, userCursors }, options };
      const perScale: GrowthResults[string] = (results[String(scale)] = {});
      for (const workload of options.workloads) perScale[workload] = await growthWorkload(bench, workload, baseline, gateway, log);
    } finally {
      await Promise.all([baseline.server.stop(), gateway?.server.stop()]);
    }
  }
  return results;
}

async function growthWorkload(bench: Bench, workload: Workload, baseline: Target, gateway: Target | null, log: (line: string) => void): Promise<GrowthResults[string][string]> {
  const { options } = bench;
  const { equivalence, silent } = await checkAll(bench, workload, baseline, gateway ? [gateway] : [], log);
  const order = (gateway ? [gateway, baseline] : [baseline]).filter((t) => !silent.has(t.label));
  const sequential: Record<string, SequentialPass> = {};
  for (const t of order) {
    const s = (sequential[t.label] = await sequentialPass(bench, t, workload));
    log(`  ${workload} scale ${bench.ctx.scale} ${t.label.padEnd(8)} sequential: ${s.requests} requests, p50 ${s.p50} ms, p95 ${s.p95} ms, ` +
      `rows/req ${s.rowsPerReq ?? 'n/a'}, stmts/req ${s.stmtsPerReq ?? 'n/a'}${s.failed ? `, ${s.failed} FAILED (${s.firstFailure})` : ''}`);
  }
  if (options.prewarm > 0) for (const t of order) await measure(bench, t, workload, 0, options.prewarm);
  const rounds: Record<string, RoundResult[]> = {};
  for (let round = 1; round <= options.rounds; round++) {
    for (const t of order) {
      const r = await measure(bench, t, workload, round, options.duration);
      (rounds[t.label] ??= []).push(r);
      log(`  ${workload} scale ${bench.ctx.scale} ${t.label.padEnd(8)} round ${round}: ${r.reqPerSec.toFixed(0)} req/s at ${options.connections} connections`);
    }
  }
  const servers: Record<string, GrowthCell> = {};
  for (const t of order) servers[t.label] = { sequential: sequential[t.label]!, load: { rounds: rounds[t.label] ?? [], summary: summarize(rounds[t.label] ?? []) } };
  return { equivalence, servers };
}
