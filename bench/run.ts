// Benchmark orchestrator: prepares the bench database, starts the gateway and the hand-written
// baseline, checks they answer alike, then loads them in turns (G, B, G, B ...) and prints the
// ratios, with the rows each reads per request. Or, with --growth 1,5,20, the growth table; or,
// with --soak, a long load with RSS samples. Options: bench/options.ts, documented in bench/README.md.
//   tsx bench/run.ts [--scale N] [--workloads a,b] [--duration 10] [--rounds 2] ...
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { benchDatabaseUrl, serverUrl } from './common.ts';
import { benchWorkload, checkAll, type WorkloadResult } from './compare.ts';
import { walkUserCursors } from './cursors.ts';
import { renderGrowth, renderGrowthMarkdown, renderGrowthTargets } from './growth-report.ts';
import { runGrowth } from './growth.ts';
import { startBaseline, startGateway, type Bench, type Target } from './harness.ts';
import { options } from './options.ts';
import { prepareData } from './prepare.ts';
import { renderRowsByTable, renderTable, renderTargets } from './report.ts';
import { enableUserStatistics } from './rows.ts';
import { ROOT, type Server } from './servers.ts';
import { soak } from './soak.ts';

const servers: Server[] = [];
const track = (t: Target): void => void servers.push(t.server);
const log = (line: string): void => console.log(line);
const hide = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');

async function compare(results: Record<string, unknown>): Promise<void> {
  const dbUrl = benchDatabaseUrl(options.scale);
  await prepareData(dbUrl, options.scale, options, log);
  const baseline = await startBaseline(dbUrl, options);
  track(baseline);
  const gateway = options.baselineOnly ? null : await startGateway('gateway', 'off', dbUrl, options);
  if (gateway) track(gateway);
  log(`servers: baseline pid ${baseline.server.pid}${gateway ? `, gateway pid ${gateway.server.pid}` : ''}`);
  const needsCursors = options.soak ? ['DeepPage', 'Mixed'].includes(options.soakWorkload) : options.workloads.some((w) => w === 'DeepPage' || w === 'Mixed');
  const userCursors = needsCursors ? await walkUserCursors((gateway ?? baseline).server.origin, options.cursors) : [];
  if (needsCursors) log(`cursors: ${userCursors.length} of the users list, at random depths`);
  const bench: Bench = { dbUrl, ctx: { scale: options.scale, userCursors }, options };
  if (options.soak) {
    results.soak = await soak(bench, gateway ?? baseline, log);
    return;
  }
  if (options.checkOnly) {
    const equivalence: Record<string, unknown> = {};
    for (const w of options.workloads) equivalence[w] = (await checkAll(bench, w, baseline, gateway ? [gateway] : [], log)).equivalence;
    results.equivalence = equivalence;
    return;
  }
  const workloads: Record<string, WorkloadResult> = {};
  for (const w of options.workloads) workloads[w] = await benchWorkload(bench, w, baseline, gateway, log);
  results.workloads = workloads;
  const table = Object.fromEntries(Object.entries(workloads).map(([w, r]) => [w, r.targets]));
  log(`\n${renderTable(table, options.rounds)}\n\n${renderRowsByTable(table)}\n\n${renderTargets(table)}`);
  const unequal = Object.entries(workloads).flatMap(([w, r]) => Object.entries(r.equivalence).filter(([, e]) => !e.ok).map(([t]) => `${w}/${t}`));
  if (unequal.length > 0) log(`\nWARNING: responses differ from the baseline for ${unequal.join(', ')} (details in the JSON)`);
}

let userStatistics: Awaited<ReturnType<typeof enableUserStatistics>> = null;

async function main(): Promise<void> {
  const scales = options.growth.length > 0 ? options.growth : [options.scale];
  log(`bench: ${scales.map((s) => hide(benchDatabaseUrl(s))).join(', ')}, ${JSON.stringify(options)}`);
  if (options.rows) {
    userStatistics = await enableUserStatistics(serverUrl(benchDatabaseUrl(scales[0])));
    if (!userStatistics) log('rows read: this server has no user statistics (MariaDB userstat); the column shows n/a');
  }
  const results: Record<string, unknown> = { startedAt: new Date().toISOString(), options, node: process.version, cpus: cpus().length };
  if (options.growth.length > 0) {
    const growth = await runGrowth(options, log, track);
    results.growth = growth;
    log(`\n${renderGrowth(growth)}\n\n${renderGrowthTargets(growth)}\n\nMarkdown:\n\n${renderGrowthMarkdown(growth)}`);
  } else {
    await compare(results);
  }
  const dir = resolve(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${options.growth.length ? '-growth' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nresults: ${file}`);
}

async function stopAll(): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
  await userStatistics?.restore().catch(() => undefined);
  userStatistics = null;
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
