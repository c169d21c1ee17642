// The growth table: per workload and server, one line per scale with the single-request latency,
// its growth over the smallest scale, the database work per request and req/s under load.
import type { GrowthResults } from './growth.ts';
import { cell, textTable } from './report.ts';

/**
 * Workloads whose semantics force a scan whatever the plan (a substring search has no index to
 * use): issue 13 asks that their growth be documented, not held to 1.5x.
 */
export const SCAN_BOUND: readonly string[] = ['SearchBox'];
export const GROWTH_TARGET = 1.5;

interface Line {
  workload: string;
  server: string;
  scale: string;
  cells: (number | null)[];
}

const HEAD = ['p50 ms', 'p95 ms', 'p50 x', 'rows/req', 'stmts/req', 'req/s', 'req/s g/b'];
const DIGITS = [2, 2, 2, 1, 2, 0, 2];

function lines(results: GrowthResults): Line[] {
  const scales = Object.keys(results).sort((a, b) => Number(a) - Number(b));
  const first = scales[0];
  const workloads = [...new Set(scales.flatMap((s) => Object.keys(results[s] ?? {})))];
  const out: Line[] = [];
  for (const workload of workloads) {
    const labels = [...new Set(scales.flatMap((s) => Object.keys(results[s]?.[workload]?.servers ?? {})))];
    for (const server of labels) {
      const base = first === undefined ? undefined : results[first]?.[workload]?.servers[server]?.sequential.p50;
      for (const scale of scales) {
        const cellOf = results[scale]?.[workload]?.servers[server];
        if (!cellOf) continue;
        const baselineRps = results[scale]?.[workload]?.servers.baseline?.load.summary.reqPerSec ?? null;
        const rps = cellOf.load.summary.reqPerSec;
        const s = cellOf.sequential;
        out.push({
          workload, server, scale,
          cells: [s.p50, s.p95, base ? s.p50 / base : null, s.rowsPerReq, s.stmtsPerReq, rps,
            server !== 'baseline' && rps !== null && baselineRps ? rps / baselineRps : null],
        });
      }
    }
  }
  return out;
}

export function renderGrowth(results: GrowthResults): string {
  const rows = lines(results).map((l) => [l.workload, l.server, l.scale, ...l.cells.map((v, i) => cell(v, DIGITS[i] ?? 2))]);
  return [
    'growth: single-request latency (sequential, one connection), its growth over the smallest scale (p50 x),',
    'rows read and statements per request (exact, from the same pass), req/s under load (median of the rounds)',
    textTable(['workload', 'server', 'scale', ...HEAD], rows, 2),
  ].join('\n');
}

/** The same table in Markdown, for bench/RESULTS.md. */
export function renderGrowthMarkdown(results: GrowthResults): string {
  const rows = lines(results).map((l) => `| ${l.workload} | ${l.server} | ${l.scale} | ${l.cells.map((v, i) => cell(v, DIGITS[i] ?? 2)).join(' | ')} |`);
  const head = ['workload', 'server', 'scale', ...HEAD];
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows].join('\n');
}

/** Issue 13: at the largest scale, the gateway within 1.5x of its smallest-scale latency, scan-bound workloads reported. */
export function renderGrowthTargets(results: GrowthResults): string {
  const scales = Object.keys(results).sort((a, b) => Number(a) - Number(b));
  if (scales.length < 2) return '';
  const [lo, hi] = [scales[0]!, scales.at(-1)!];
  const out: string[] = [];
  for (const workload of Object.keys(results[hi] ?? {})) {
    const a = results[lo]?.[workload]?.servers.gateway?.sequential.p50;
    const b = results[hi]?.[workload]?.servers.gateway?.sequential.p50;
    if (!a || !b) continue;
    const growth = b / a;
    const verdict = SCAN_BOUND.includes(workload) ? 'scan-bound: documented, not held to the target' : growth <= GROWTH_TARGET ? 'ok' : 'MISSED';
    out.push(`  ${workload.padEnd(14)} p50 ${a.toFixed(2)} -> ${b.toFixed(2)} ms (${growth.toFixed(2)}x, <= ${GROWTH_TARGET}x) ${verdict}`);
  }
  return out.length ? `growth targets (issue 13), gateway, scale ${lo} -> ${hi}:\n${out.join('\n')}` : '';
}
