// Per-request loaders of orders, their items, and the per-user order lists
// and aggregates behind User.orders / orderCount / totalSpent. Each batch is
// one statement whatever the number of users in it; orderCount, totalSpent
// and a connection's totalCount share one (userOrderStats).
import DataLoader from 'dataloader';
import { toPage, type Page } from '../connections.ts';
import type { OrderRow, OrderStatus } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { byIdLoader, groupedLoader, groupKeys, type LoaderOptions } from '../db/loader-helpers.ts';
import { compareIds } from '../db/sql-helpers.ts';
import type { Viewer } from '../viewer.ts';
import { userOrderConditions, visibleOrders } from './order.fields.ts';
import { findItemsByOrderIds, findOrderPagesForUsers, findOrdersByIds, statsForUsers, type UserOrderStats } from './order.repository.ts';

/** One user's page request, as User.orders(first, after, status) asks it. */
export interface UserOrdersPageKey {
  userId: string;
  first: number;
  afterId: string | null;
  status: OrderStatus | null;
}

export interface UserOrderStatsKey {
  userId: string;
  status: OrderStatus | null;
}

export function createOrderLoaders(db: SqlSession, options: LoaderOptions, viewer: Viewer) {
  const { maxBatchSize, onBatch } = options;
  const visible = visibleOrders(viewer);

  const userOrdersPage = new DataLoader<UserOrdersPageKey, Page<OrderRow>, string>(
    async (keys) => {
      onBatch?.('userOrdersPage', keys);
      const groups = groupKeys(
        keys,
        (k) => `${k.first}|${k.afterId ?? ''}|${k.status ?? ''}`,
        (k) => ({ first: k.first, afterId: k.afterId, status: k.status }),
      );
      const rows = await findOrderPagesForUsers(
        db,
        groups.map(({ shared, keys }) => ({ first: shared.first, afterId: shared.afterId, where: userOrderConditions(shared.status, viewer), userIds: keys.map((k) => k.userId) })),
      );
      const byGroupUser = new Map<string, OrderRow[]>();
      for (const { grp, ...row } of rows) {
        const id = `${grp}|${row.user_id}`;
        const list = byGroupUser.get(id);
        if (list) list.push(row);
        else byGroupUser.set(id, [row]);
      }
      const indexOf = new Map(groups.flatMap((g) => g.keys.map((k) => [k, g.index] as const)));
      return keys.map((key) => {
        const list = byGroupUser.get(`${indexOf.get(key)}|${key.userId}`) ?? [];
        // UNION ALL keeps no order: restore id order within each user's page.
        list.sort((a, b) => compareIds(a.id, b.id));
        return toPage(list, key.first);
      });
    },
    { maxBatchSize, cacheKeyFn: (k) => `${k.userId}|${k.first}|${k.afterId ?? ''}|${k.status ?? ''}` },
  );

  const userOrderStats = new DataLoader<UserOrderStatsKey, UserOrderStats, string>(
    async (keys) => {
      onBatch?.('userOrderStats', keys);
      const groups = groupKeys(keys, (k) => k.status ?? '', (k) => k.status);
      const rows = await statsForUsers(
        db,
        groups.map((g) => ({ where: userOrderConditions(g.shared, viewer), userIds: g.keys.map((k) => k.userId) })),
      );
      const byGroupUser = new Map(rows.map((r) => [`${r.grp}|${r.user_id}`, r.stats]));
      const indexOf = new Map(groups.flatMap((g) => g.keys.map((k) => [k, g.index] as const)));
      return keys.map((key) => byGroupUser.get(`${indexOf.get(key)}|${key.userId}`) ?? { count: 0, minId: null, spent: '0.00' });
    },
    { maxBatchSize, cacheKeyFn: (k) => `${k.userId}|${k.status ?? ''}` },
  );

  return {
    orderById: byIdLoader('orderById', (ids) => findOrdersByIds(db, ids, visible), options),
    itemsByOrderId: groupedLoader('itemsByOrderId', (ids) => findItemsByOrderIds(db, ids), (r) => r.order_id, options),
    userOrdersPage,
    userOrderStats,
  };
}
