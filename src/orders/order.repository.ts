// All SQL reading orders and their items. Functions take the session (the
// pool or a transaction) first and return rows; they know nothing of GraphQL.
import { sql } from 'kysely';
import type { OrderItemRow, OrderRow, OrderStatus } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { all, first, qb } from '../db/query-builder.ts';
import { toListStats, type ListStats } from '../db/sql-helpers.ts';

export interface OrderFilterValues {
  status?: OrderStatus | null;
  userId?: string | null;
  /** Database UTC text, inclusive. */
  createdAfter?: string | null;
  /** Database UTC text, exclusive. */
  createdBefore?: string | null;
}

export async function findOrdersByIds(db: SqlSession, ids: readonly string[]): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  return all(db, qb.selectFrom('orders').selectAll().where('id', 'in', ids));
}

function filtered(filter: OrderFilterValues | null | undefined) {
  let query = qb.selectFrom('orders');
  if (!filter) return query;
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  if (filter.createdAfter) query = query.where('created_at', '>=', filter.createdAfter);
  if (filter.createdBefore) query = query.where('created_at', '<', filter.createdBefore);
  return query;
}

/** One page in id order: first+1 rows so the caller can tell whether more follow. */
export async function findOrdersPage(
  db: SqlSession,
  args: { first: number; afterId: string | null; filter?: OrderFilterValues | null },
): Promise<OrderRow[]> {
  let query = filtered(args.filter).selectAll();
  if (args.afterId !== null) query = query.where('id', '>', args.afterId);
  return all(db, query.orderBy('id').limit(args.first + 1));
}

export async function countOrders(db: SqlSession, filter?: OrderFilterValues | null): Promise<ListStats> {
  const row = await first(
    db,
    filtered(filter).select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min<string | null>('id').as('minId')]),
  );
  return toListStats(row);
}

/** One user's page request, as User.orders(first, after, status) asks it. */
export interface UserOrdersPageKey {
  userId: string;
  first: number;
  afterId: string | null;
  status: OrderStatus | null;
}

export type GroupedOrderRow = OrderRow & { grp: number };

/**
 * The first first+1 orders of many users in one statement: ROW_NUMBER() per
 * user (MariaDB has no LATERAL). Keys sharing first/after/status form one
 * group; groups are joined with UNION ALL and tagged, so aliases asking
 * different pages of the same user still get their own rows.
 */
export async function findOrderPagesForUsers(
  db: SqlSession,
  groups: readonly { first: number; afterId: string | null; status: OrderStatus | null; userIds: string[] }[],
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
    if (group.status) inner = inner.where('status', '=', group.status);
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
  /** Sum of the totals of the orders that are not CANCELLED ("0.00" for none). */
  spent: string;
}

/**
 * COUNT(*), MIN(id) and the not-cancelled total of each user's orders,
 * optionally of one status (then `spent` counts only orders of that status).
 */
export async function statsForUsers(
  db: SqlSession,
  groups: readonly { status: OrderStatus | null; userIds: string[] }[],
): Promise<{ grp: number; user_id: string; stats: UserOrderStats }[]> {
  const selects = groups.map((group, grp) => {
    let query = qb
      .selectFrom('orders')
      .select((eb) => [
        'user_id',
        sql<number>`${sql.lit(grp)}`.as('grp'),
        eb.fn.countAll<string>().as('count'),
        eb.fn.min<string | null>('id').as('minId'),
        sql<string | null>`SUM(CASE WHEN status <> 'CANCELLED' THEN total END)`.as('spent'),
      ])
      .where('user_id', 'in', group.userIds);
    if (group.status) query = query.where('status', '=', group.status);
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
