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
  rowsPerReq: number | null; // median over rounds of rows read (bench database) / requests sent
  rowsByTable: Record<string, number> | null; // per table, median over rounds, per request sent
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
    return { reqPerSec: null, p50: null, p99: null, tail: null, failures: null, rssMb: null, stmtsPerReq: null, rowsPerReq: null, rowsByTable: null, serverCpuMs: null, databaseCpuMs: null };
  }
  const cpu = (pick: (r: RoundResult) => number | null | undefined): number | null => {
    const xs = rounds.map(pick);
    return xs.every((x): x is number => typeof x === 'number') ? median(xs) : null;
  };
  const stmts = rounds.map((r) => (r.statements === null || r.sent === 0 ? null : r.statements / r.sent));
  const rows = rounds.map((r) => (r.rowsRead === null || r.sent === 0 ? null : r.rowsRead / r.sent));
  const rss = rounds.map((r) => r.rssMb).filter((x): x is number => x !== null);
  return {
    reqPerSec: median(rounds.map((r) => r.reqPerSec)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    tail: median(rounds.map((r) => (r.p50 > 0 ? r.p99 / r.p50 : 0))),
    failures: rounds.reduce((s, r) => s + r.non2xx + r.errors + r.graphqlErrors, 0),
    rssMb: rss.length ? Math.max(...rss) : null,
    stmtsPerReq: stmts.some((x) => x === null) ? null : median(stmts as number[]),
    rowsPerReq: rows.some((x) => x === null) ? null : median(rows as number[]),
    rowsByTable: perTable(rounds),
    serverCpuMs: cpu((r) => r.serverCpuMs),
    databaseCpuMs: cpu((r) => r.databaseCpuMs),
  };
}

/** Rows read per request sent, per table, each the median over the rounds; null when any round has no counts. */
function perTable(rounds: RoundResult[]): Record<string, number> | null {
  if (rounds.some((r) => r.rowsByTable === null || r.sent === 0)) return null;
  const tables = [...new Set(rounds.flatMap((r) => Object.keys(r.rowsByTable ?? {})))].sort();
  return Object.fromEntries(tables.map((t) => [t, Math.round(median(rounds.map((r) => (r.rowsByTable?.[t] ?? 0) / r.sent)) * 10) / 10]));
}

type Column = Exclude<keyof Summary, 'rowsByTable'>;
const COLUMNS: [Column, string, number][] = [
  ['reqPerSec', 'req/s', 0], ['p50', 'p50 ms', 2], ['p99', 'p99 ms', 2], ['tail', 'p99/p50', 1],
  ['failures', 'failures', 0], ['rssMb', 'RSS MB', 0], ['stmtsPerReq', 'stmts/req', 2], ['rowsPerReq', 'rows/req', 1],
  ['serverCpuMs', 'srv CPU ms/req', 3], ['databaseCpuMs', 'db CPU ms/req', 3],
];

/** A number with `digits` decimals; large ones (rows read) with thousands separators. */
export const cell = (v: number | null, digits: number): string =>
  v === null ? 'n/a' : Math.abs(v) >= 10_000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits);
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
  return [`medians of ${rounds} round(s); failures summed; RSS = max after a round; rows = rows read in the bench database`, textTable(head, rows, 2)].join('\n');
}

/** Columns padded to their widest cell: the first `left` columns left-aligned, the rest right-aligned. */
export function textTable(head: string[], rows: string[][], left: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i < left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Rows read per request by table, one line per workload and server (where the rows come from). */
export function renderRowsByTable(workloads: Record<string, Record<string, TargetResult>>): string {
  const lines: string[] = [];
  for (const [workload, targets] of Object.entries(workloads)) {
    for (const [label, { summary }] of Object.entries(targets)) {
      if (!summary.rowsByTable) continue;
      const parts = Object.entries(summary.rowsByTable).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${cell(n, 1)}`);
      lines.push(`  ${workload.padEnd(14)} ${label.padEnd(13)} ${parts.join(', ') || 'none'}`);
    }
  }
  return lines.length ? `rows read per request, by table:\n${lines.join('\n')}` : '';
}

/**
 * Issue 13's targets, per workload: at least the baseline's req/s, no more rows read per
 * request than the baseline (1% slack: PlaceOrder's and Mixed's rows move a little with the
 * orders placed during the run), and p99 <= 3x p50.
 */
export const TARGETS = { ratio: 1.0, rowsSlack: 1.01, tail: 3 } as const;

/** One line per workload saying whether the gateway met its targets in this run. */
export function renderTargets(workloads: Record<string, Record<string, TargetResult>>): string {
  const lines: string[] = [];
  for (const [workload, targets] of Object.entries(workloads)) {
    const g = targets.gateway?.summary;
    const b = targets.baseline?.summary;
    if (!g || !b || g.reqPerSec === null || !b.reqPerSec) continue;
    const checks: string[] = [];
    const check = (what: string, ok: boolean) => checks.push(`${what} ${ok ? 'ok' : 'MISSED'}`);
    const r = g.reqPerSec / b.reqPerSec;
    check(`req/s ${r.toFixed(2)}x (>= ${TARGETS.ratio}x)`, r >= TARGETS.ratio);
    if (g.rowsPerReq !== null && b.rowsPerReq !== null) {
      check(`rows/req ${cell(g.rowsPerReq, 1)} vs ${cell(b.rowsPerReq, 1)} (<=)`, g.rowsPerReq <= b.rowsPerReq * TARGETS.rowsSlack);
    }
    if (g.tail !== null) check(`p99/p50 ${g.tail.toFixed(1)} (<= ${TARGETS.tail})`, g.tail <= TARGETS.tail);
    lines.push(`  ${workload.padEnd(14)} ${checks.join(', ')}`);
  }
  return lines.length ? `targets (issue 13):\n${lines.join('\n')}` : '';
}
