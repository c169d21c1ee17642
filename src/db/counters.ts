// Counts answered from the counter tables the database keeps exact itself
// (migrations/2026_12_02_0002_counters.ts: triggers on users, orders and
// products), the one place that decides whether a count may be. Both paths ask
// it: the compiled statement (src/compiled/sql.ts) and the repositories'
// count queries (countOf in query-builder.ts). A counter answers only the
// exact condition sets it represents; anything else is COUNT(*) over the rows.
//
// | table    | conditions (after the row rules)                   | counter               |
// | users    | none                                               | SUM(user_counts.n)    |
// | orders   | none, or status = S                                | order_counts (sum of the 16 slots) |
// | orders   | user_id = U (a filter, the customer's row rule or the parent user of User.orders), optionally status = S | user_order_counts row of U |
// | products | none                                               | SUM(product_counts.n) |
//
// Counter tables map to the table they count (sourceTable), so a read of a
// counter after a write of its table waits for that write on a replica, as a
// read of the table would.
import type { Condition } from './conditions.ts';

/** The status columns of order_counts and user_order_counts. */
const STATUS_COLUMN: Record<string, string> = { PENDING: 'pending', PAID: 'paid', SHIPPED: 'shipped', CANCELLED: 'cancelled' };
const ALL_STATUSES = Object.values(STATUS_COLUMN);

/** Each counter table and the table whose rows it counts. */
export const COUNTER_TABLES = {
  user_counts: 'users',
  product_counts: 'products',
  order_counts: 'orders',
  user_order_counts: 'orders',
} as const satisfies Record<string, string>;

/** The table whose rows `table` counts (itself when it is not a counter). */
export function sourceTable(table: string): string {
  return (COUNTER_TABLES as Record<string, string>)[table] ?? table;
}

/**
 * A scalar subquery giving the number of rows of `table` meeting
 * `conditions` (and, with `parentUser`, `user_id = <parentUser>`, a column
 * reference of the enclosing statement), read from a counter, with its values
 * pushed onto `params`; or null when no counter represents exactly these
 * conditions (then count the rows).
 */
export function counterCount(table: string, conditions: readonly Condition[], params: unknown[], parentUser: string | null = null): string | null {
  switch (table) {
    case 'users':
      return conditions.length === 0 && parentUser === null ? '(SELECT COALESCE(SUM(k.n), 0) FROM user_counts k)' : null;
    case 'products':
      return conditions.length === 0 && parentUser === null ? '(SELECT COALESCE(SUM(k.n), 0) FROM product_counts k)' : null;
    case 'orders':
      return orderCount(conditions, params, parentUser);
    default:
      return null;
  }
}

function orderCount(conditions: readonly Condition[], params: unknown[], parentUser: string | null): string | null {
  let status: string | null = null;
  let user: { value: string | number } | null = null;
  for (const condition of conditions) {
    if (condition.kind !== 'compare' || condition.op !== '=') return null;
    if (condition.column === 'status' && status === null && typeof condition.value === 'string' && STATUS_COLUMN[condition.value]) {
      status = STATUS_COLUMN[condition.value]!;
    } else if (condition.column === 'user_id' && user === null && parentUser === null) {
      user = { value: condition.value };
    } else {
      return null;
    }
  }
  const sum = `COALESCE(SUM(${(status ? [status] : ALL_STATUSES).map((c) => `k.${c}`).join(' + ')}), 0)`;
  if (parentUser !== null) return `(SELECT ${sum} FROM user_order_counts k WHERE k.user_id = ${parentUser})`;
  if (user === null) return `(SELECT ${sum} FROM order_counts k)`;
  params.push(user.value);
  return `(SELECT ${sum} FROM user_order_counts k WHERE k.user_id = ?)`;
}
