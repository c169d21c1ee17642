// All SQL reading orders and their items. Functions take the session (the
// pool or a transaction) first and return rows; they know nothing of GraphQL.
// Which rows a list holds comes as conditions (order.fields.ts).
import { sql } from 'kysely';
import type { Condition } from '../db/conditions.ts';
import type { OrderItemRow, OrderRow } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { all, countOf, first, qb, where } from '../db/query-builder.ts';
import { COUNTS_AS_SPENT, ORDER_TABLE } from './order.fields.ts';
import { toListStats, type ListStats } from '../db/sql-helpers.ts';

/** The orders of these ids that meet `conditions` (the viewer's row rule); the others are simply absent. */
export async function findOrdersByIds(db: SqlSession, ids: readonly string[], conditions: readonly Condition[] = []): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  return all(db, filtered(conditions).selectAll().where('id', 'in', ids));
}

function filtered(conditions: readonly Condition[]) {
  const query = qb.selectFrom('orders');
  return conditions.length ? query.where(where(conditions, ORDER_TABLE)) : query;
}

/** One page in id order: first+1 rows so the caller can tell whether more follow. */
export async function findOrdersPage(
  db: SqlSession,
  args: { first: number; afterId: string | null; where: readonly Condition[] },
): Promise<OrderRow[]> {
  let query = filtered(args.where).selectAll();
  if (args.afterId !== null) query = query.where('id', '>', args.afterId);
  return all(db, query.orderBy('id').limit(args.first + 1));
}

export async function countOrders(db: SqlSession, conditions: readonly Condition[]): Promise<ListStats> {
  const row = await first(
    db,
    filtered(conditions).select((eb) => [countOf(ORDER_TABLE, conditions).as('count'), eb.fn.min<string | null>('id').as('minId')]),
  );
  return toListStats(row);
}

export type GroupedOrderRow = OrderRow & { grp: number };

/**
 * The first first+1 orders of many users in one statement: ROW_NUMBER() per
 * user (MariaDB has no LATERAL). Users sharing first/after/conditions form
 * one group; groups are joined with UNION ALL and tagged, so aliases asking
 * different pages of the same user still get their own rows.
 */
export async function findOrderPagesForUsers(
  db: SqlSession,
  groups: readonly { first: number; afterId: string | null; where: readonly Condition[]; userIds: string[] }[],
): Promise<GroupedOrderRow[]> {
  const selects = groups.map((group, grp) => {
    let inner = qb
      .selectFrom('orders')
      .selectAll()
      .select((eb) => [
        eb.fn.agg<number>('row_number').over((ob) => ob.partitionBy('user_id').orderBy('id')).as('rn'),
        sql<number>`${sql.lit(grp)}`.as('grp'),
      ])
      .where('user_id', 'in', group.userIds);
    if (group.where.length) inner = inner.where(where(group.where, ORDER_TABLE));
    if (group.afterId !== null) inner = inner.where('id', '>', group.afterId);
    return qb
      .selectFrom(inner.as('t'))
      .select(['t.id', 't.user_id', 't.status', 't.total', 't.created_at', 't.grp'])
      .where('t.rn', '<=', group.first + 1);
  });
  const [head, ...rest] = selects;
  if (!head) return [];
  let query = head;
  for (const next of rest) query = query.unionAll(next);
  return (await all(db, query)) as GroupedOrderRow[];
}

/** A user's orders, as one statement reads them for orderCount, totalSpent and a connection's totalCount. */
export interface UserOrderStats extends ListStats {
  /** Sum of the totals of the orders that count as spent (COUNTS_AS_SPENT; "0.00" for none). */
  spent: string;
}

/**
 * COUNT(*), MIN(id) and the spent total of each user's orders meeting a
 * group's conditions (none for orderCount and totalSpent).
 */
export async function statsForUsers(
  db: SqlSession,
  groups: readonly { where: readonly Condition[]; userIds: string[] }[],
): Promise<{ grp: number; user_id: string; stats: UserOrderStats }[]> {
  const selects = groups.map((group, grp) => {
    let query = qb
      .selectFrom('orders')
      .select((eb) => [
        'user_id',
        sql<number>`${sql.lit(grp)}`.as('grp'),
        eb.fn.countAll<string>().as('count'),
        eb.fn.min<string | null>('id').as('minId'),
        sql<string | null>`SUM(CASE WHEN ${where([COUNTS_AS_SPENT], ORDER_TABLE)} THEN total END)`.as('spent'),
      ])
      .where('user_id', 'in', group.userIds);
    if (group.where.length) query = query.where(where(group.where, ORDER_TABLE));
    return query.groupBy('user_id');
  });
  const [head, ...rest] = selects;
  if (!head) return [];
  let query = head;
  for (const next of rest) query = query.unionAll(next);
  const rows = await all(db, query);
  return rows.map((row) => ({ grp: Number(row.grp), user_id: row.user_id, stats: { ...toListStats(row), spent: row.spent ?? '0.00' } }));
}

/** Items of many orders, each order's items by product id. */
export async function findItemsByOrderIds(db: SqlSession, orderIds: readonly string[]): Promise<OrderItemRow[]> {
  if (orderIds.length === 0) return [];
  return all(db, qb.selectFrom('order_items').selectAll().where('order_id', 'in', orderIds).orderBy('order_id').orderBy('product_id'));
}
