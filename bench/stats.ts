// Counters read around a measured window, and the quantiles of its latencies.

/** Where a server's SQL statement counter is: the gateway's Prometheus text or the baseline's JSON. */
export interface StatsSource {
  url: string;
  kind: 'prometheus' | 'json';
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

/** SQL statements a server has run so far, from its counter; null when it has none. */
export async function statementCount(stats: StatsSource | null): Promise<number | null> {
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

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

