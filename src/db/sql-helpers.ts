// Small pieces shared by the repositories: list statistics, id order and chunks of keys.

/** COUNT(*) and MIN(id) of a filtered list: totalCount and hasPreviousPage in one statement. */
export interface ListStats {
  count: number;
  minId: string | null;
}

export function toListStats(row: { count: string | number | bigint; minId: string | null } | undefined): ListStats {
  return { count: Number(row?.count ?? 0), minId: row?.minId ?? null };
}

/** Orders decimal-string ids numerically, whatever their length. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Splits keys into chunks so no statement nears MySQL's 65,535 placeholders (the bulk import's batches). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
