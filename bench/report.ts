// Round summaries and the console table of bench/run.ts.
import type { LoadResult } from './load.ts';

export interface RoundResult extends LoadResult {
  round: number;
  rssMb: number | null; // server RSS right after the round
}

/** All null when the server was not loaded (it did not answer the equivalence check). */
export interface Summary {
  reqPerSec: number | null; // median over rounds
  p50: number | null; // ms, median over rounds
  p99: number | null; // ms, median over rounds
  tail: number | null; // p99 / p50, median over rounds (issue 4: <= 4)
  failures: number | null; // non-2xx + socket errors/timeouts + 2xx bodies with "errors", all rounds
  rssMb: number | null; // max over rounds
  stmtsPerReq: number | null; // median over rounds of statements / requests sent
  serverCpuMs: number | null; // server CPU ms per request, median over rounds
  databaseCpuMs: number | null; // database CPU ms per request, median over rounds
}

export interface TargetResult {
  rounds: RoundResult[];
  summary: Summary;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function summarize(rounds: RoundResult[]): Summary {
  if (rounds.length === 0) {
    return { reqPerSec: null, p50: null, p99: null, tail: null, failures: null, rssMb: null, stmtsPerReq: null, serverCpuMs: null, databaseCpuMs: null };
  }
  const cpu = (pick: (r: RoundResult) => number | null | undefined): number | null => {
    const xs = rounds.map(pick);
    return xs.every((x): x is number => typeof x === 'number') ? median(xs) : null;
  };
  const stmts = rounds.map((r) => (r.statements === null || r.sent === 0 ? null : r.statements / r.sent));
  const rss = rounds.map((r) => r.rssMb).filter((x): x is number => x !== null);
  return {
    reqPerSec: median(rounds.map((r) => r.reqPerSec)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    tail: median(rounds.map((r) => (r.p50 > 0 ? r.p99 / r.p50 : 0))),
    failures: rounds.reduce((s, r) => s + r.non2xx + r.errors + r.graphqlErrors, 0),
    rssMb: rss.length ? Math.max(...rss) : null,
    stmtsPerReq: stmts.some((x) => x === null) ? null : median(stmts as number[]),
    serverCpuMs: cpu((r) => r.serverCpuMs),
    databaseCpuMs: cpu((r) => r.databaseCpuMs),
  };
}

const COLUMNS: [keyof Summary, string, number][] = [
  ['reqPerSec', 'req/s', 0], ['p50', 'p50 ms', 2], ['p99', 'p99 ms', 2], ['tail', 'p99/p50', 1],
  ['failures', 'failures', 0], ['rssMb', 'RSS MB', 0], ['stmtsPerReq', 'stmts/req', 2],
  ['serverCpuMs', 'srv CPU ms/req', 3], ['databaseCpuMs', 'db CPU ms/req', 3],
];

const cell = (v: number | null, digits: number): string => (v === null ? 'n/a' : v.toFixed(digits));
const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null || b === 0 ? (a === 0 && b === 0 ? '=' : 'n/a') : `${(a / b).toFixed(2)}x`;

/** One row per workload and server, plus a "ratio" row (server / baseline) under each non-baseline row. */
export function renderTable(workloads: Record<string, Record<string, TargetResult>>, rounds: number): string {
  const head = ['workload', 'server', ...COLUMNS.map(([, title]) => title)];
  const rows: string[][] = [];
  for (const [workload, targets] of Object.entries(workloads)) {
    const base = targets.baseline?.summary;
    for (const [label, { summary }] of Object.entries(targets)) {
      rows.push([workload, label, ...COLUMNS.map(([key, , digits]) => cell(summary[key], digits))]);
      if (label !== 'baseline' && base) {
        rows.push(['', `  ${label}/baseline`, ...COLUMNS.map(([key]) => ratio(summary[key], base[key]))]);
      }
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [
    `medians of ${rounds} round(s); failures summed; RSS = max after a round`,
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

/** Issue 4's targets: req/s ratio to the baseline per workload; Dashboard's statements and tail. */
const TARGETS: Record<string, number> = { UserById: 0.9, Dashboard: 0.8, PlaceOrder: 0.8 };

/** One line per workload saying whether the gateway met its targets in this run. */
export function renderTargets(workloads: Record<string, Record<string, TargetResult>>): string {
  const lines: string[] = [];
  for (const [workload, targets] of Object.entries(workloads)) {
    const g = targets.gateway?.summary;
    const b = targets.baseline?.summary;
    const floor = TARGETS[workload];
    if (!g || !b || floor === undefined || g.reqPerSec === null || !b.reqPerSec) continue;
    const checks: string[] = [];
    const check = (what: string, ok: boolean) => checks.push(`${what} ${ok ? 'ok' : 'MISSED'}`);
    const r = g.reqPerSec / b.reqPerSec;
    check(`req/s ${r.toFixed(2)}x (>= ${floor}x)`, r >= floor);
    if (g.tail !== null) check(`p99/p50 ${g.tail.toFixed(1)} (<= 4)`, g.tail <= 4);
    if (workload === 'Dashboard' && g.stmtsPerReq !== null) check(`stmts/req ${g.stmtsPerReq.toFixed(2)} (<= 5)`, g.stmtsPerReq <= 5);
    lines.push(`  ${workload.padEnd(10)} ${checks.join(', ')}`);
  }
  return lines.length ? `targets (issue 4):\n${lines.join('\n')}` : '';
}
