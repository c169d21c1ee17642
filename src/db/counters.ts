// Counts answered from the counter tables the database keeps exact itself
// (migrations/2026_12_02_0002_counters.ts: triggers on users, orders and
// products append delta rows; totals hold what the deltas folded so far add
// up to), the one place that decides whether a count may be, and the one
// that folds the deltas into the totals. Both paths ask it: the compiled
// statement (src/compiled/sql.ts) and the repositories' count queries
// (countOf in query-builder.ts). A counter answers only the exact condition
// sets it represents; anything else is COUNT(*) over the rows.
//
// | table    | conditions (after the row rules)                   | counter                                   |
// | users    | none                                               | user_counts + user_count_deltas           |
// | orders   | none, or status = S                                | order_counts + order_count_deltas         |
// | orders   | user_id = U (a filter, the customer's row rule or the parent user of User.orders), optionally status = S | user_order_counts row of U + U's order_count_deltas |
// | products | none                                               | product_counts + product_count_deltas     |
//
// A count reads the total and the deltas not folded yet in one statement, so
// it is exact at every moment; folding (compactCounters, run every
// COUNTER_COMPACT_MS by counter-compaction.ts) only keeps the deltas few.
//
// Counter tables map to the table they count (sourceTable), so a read of a
// counter after a write of its table waits for that write on a replica, as a
// read of the table would.
import { CompiledQuery } from 'kysely';
import type { Condition } from './conditions.ts';
import type { DirectTransaction, Runner } from './direct.ts';

/** The status columns of order_counts, user_order_counts and order_count_deltas. */
const STATUS_COLUMN: Record<string, string> = { PENDING: 'pending', PAID: 'paid', SHIPPED: 'shipped', CANCELLED: 'cancelled' };
const ALL_STATUSES = Object.values(STATUS_COLUMN);

/** Each counter table and the table whose rows it counts. */
export const COUNTER_TABLES = {
  user_counts: 'users',
  user_count_deltas: 'users',
  product_counts: 'products',
  product_count_deltas: 'products',
  order_counts: 'orders',
  user_order_counts: 'orders',
  order_count_deltas: 'orders',
} as const satisfies Record<string, string>;

/** The table whose rows `table` counts (itself when it is not a counter). */
export function sourceTable(table: string): string {
  return (COUNTER_TABLES as Record<string, string>)[table] ?? table;
}

/** `(total) + (deltas)` for a counter of one number per row (users, products). */
function totalPlusDeltas(name: 'user' | 'product'): string {
  return `((SELECT COALESCE(SUM(k.n), 0) FROM ${name}_counts k) + (SELECT COALESCE(SUM(d.n), 0) FROM ${name}_count_deltas d))`;
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
      return conditions.length === 0 && parentUser === null ? totalPlusDeltas('user') : null;
    case 'products':
      return conditions.length === 0 && parentUser === null ? totalPlusDeltas('product') : null;
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
  const sum = (x: string) => `COALESCE(SUM(${(status ? [status] : ALL_STATUSES).map((c) => `${x}.${c}`).join(' + ')}), 0)`;
  const of = (userRef: string) => `((SELECT ${sum('k')} FROM user_order_counts k WHERE k.user_id = ${userRef}) + (SELECT ${sum('d')} FROM order_count_deltas d WHERE d.user_id = ${userRef}))`;
  if (parentUser !== null) return of(parentUser);
  if (user === null) return `((SELECT ${sum('k')} FROM order_counts k) + (SELECT ${sum('d')} FROM order_count_deltas d))`;
  params.push(user.value, user.value);
  return of('?');
}

/** Deltas folded per transaction: short enough that a fold holds its rows for milliseconds. */
const FOLD_BATCH = 5000;

async function rowsOf(trx: DirectTransaction, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await trx.executeQuery(CompiledQuery.raw(text, params))).rows as Record<string, unknown>[];
}

/**
 * Folds up to FOLD_BATCH deltas of one counter into its totals, in one READ
 * COMMITTED transaction: the deltas are locked with SKIP LOCKED (a delta of a
 * transaction not yet committed is left for a later fold: a fold never waits
 * for a writer, and writers only append, so none waits for a fold), their
 * sums added to the totals, and they are deleted.
 * The total row is written first (it orders concurrent folds: a second fold
 * waits there before touching a user's row), then users in ascending id.
 * Returns how many deltas it folded.
 */
async function foldOnce(db: Runner, counter: 'user' | 'product' | 'order'): Promise<number> {
  return db.transaction(
    async (trx) => {
      const deltas = `${counter}_count_deltas`;
      const columns = counter === 'order' ? ['user_id', ...ALL_STATUSES] : ['n'];
      const rows = await rowsOf(trx, `SELECT id, ${columns.join(', ')} FROM ${deltas} ORDER BY id LIMIT ${FOLD_BATCH} FOR UPDATE SKIP LOCKED`);
      if (rows.length === 0) return 0;
      if (counter === 'order') {
        const total = ALL_STATUSES.map(() => 0);
        const perUser = new Map<bigint, number[]>();
        for (const row of rows) {
          const user = BigInt(String(row.user_id));
          const have = perUser.get(user) ?? ALL_STATUSES.map(() => 0);
          ALL_STATUSES.forEach((c, i) => {
            have[i]! += Number(row[c]);
            total[i]! += Number(row[c]);
          });
          perUser.set(user, have);
        }
        const update = ALL_STATUSES.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ');
        await rowsOf(trx, `INSERT INTO order_counts (id, ${ALL_STATUSES.join(', ')}) VALUES (1, ${total.join(', ')}) ON DUPLICATE KEY UPDATE ${update}`);
        const users = [...perUser].filter(([, v]) => v.some((n) => n !== 0)).sort(([a], [b]) => (a < b ? -1 : 1));
        if (users.length > 0) {
          const values = users.map(([user, v]) => `(${user.toString()}, ${v.join(', ')})`).join(', ');
          await rowsOf(trx, `INSERT INTO user_order_counts (user_id, ${ALL_STATUSES.join(', ')}) VALUES ${values} ON DUPLICATE KEY UPDATE ${update}`);
        }
      } else {
        const n = rows.reduce((sum, row) => sum + Number(row.n), 0);
        await rowsOf(trx, `INSERT INTO ${counter}_counts (id, n) VALUES (1, ${n}) ON DUPLICATE KEY UPDATE n = n + VALUES(n)`);
      }
      // Each folded delta deleted by its key (eq_ref from the list): a plain
      // `WHERE id IN (...)` may be planned as a scan, which waits for the
      // skipped deltas of open transactions (DELETE has no semi-consistent read).
      const ids = JSON.stringify(rows.map((r) => String(r.id)));
      await rowsOf(
        trx,
        `DELETE d FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j STRAIGHT_JOIN ${deltas} d ON d.id = j.id`,
        [ids],
      );
      return rows.length;
    },
    { isolation: 'READ COMMITTED' },
  );
}

/**
 * Folds every delta there is into the totals (counts stay exact throughout;
 * folding only keeps the rows a count reads few). Safe to run in many
 * processes at once and beside any writer. Returns the deltas folded.
 */
export async function compactCounters(db: Runner): Promise<number> {
  let folded = 0;
  for (const counter of ['user', 'product', 'order'] as const) {
    for (;;) {
      const n = await foldOnce(db, counter);
      folded += n;
      if (n < FOLD_BATCH) break;
    }
  }
  return folded;
}
