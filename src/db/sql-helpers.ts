// Small pieces of SQL shared by the repositories.
import { sql, type RawBuilder } from 'kysely';

/**
 * A case-insensitive "contains" in which % and _ match themselves. `!` is the
 * escape character, so the pattern means the same whatever sql_mode says
 * about backslashes. Case-insensitivity comes from the *_ci column collation.
 */
export function containsPattern(search: string): string {
  return `%${search.replace(/[!%_]/g, '!$&')}%`;
}

export function likeContains(column: string, search: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} LIKE ${containsPattern(search)} ESCAPE '!'`;
}

/** Splits keys into chunks so no statement nears MySQL's 65,535 placeholders. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

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
