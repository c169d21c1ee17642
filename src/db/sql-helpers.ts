// Small pieces shared by the repositories: list statistics and id order.

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
