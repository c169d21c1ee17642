// Per-request loaders of orders, their items, and the per-user order lists
// and aggregates behind User.orders / orderCount / totalSpent. Each batch is
// one statement whatever the number of users in it.
import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { toPage, type Page } from '../connections.ts';
import type { Database, OrderRow, OrderStatus } from '../db/database.ts';
import { byIdLoader, groupedLoader, groupKeys, type LoaderOptions } from '../db/loader-helpers.ts';
import { compareIds, type ListStats } from '../db/sql-helpers.ts';
import {
  countOrdersForUsers,
  findItemsByOrderIds,
  findOrderPagesForUsers,
  findOrdersByIds,
  sumTotalsForUsers,
  type UserOrdersPageKey,
} from './order.repository.ts';

export interface UserOrderStatsKey {
  userId: string;
  status: OrderStatus | null;
}

export function createOrderLoaders(db: Kysely<Database>, options: LoaderOptions) {
  const { maxBatchSize, onBatch } = options;

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
        groups.map((g) => ({ ...g.shared, userIds: g.keys.map((k) => k.userId) })),
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

  const userOrderStats = new DataLoader<UserOrderStatsKey, ListStats, string>(
    async (keys) => {
      onBatch?.('userOrderStats', keys);
      const groups = groupKeys(keys, (k) => k.status ?? '', (k) => k.status);
      const rows = await countOrdersForUsers(
        db,
        groups.map((g) => ({ status: g.shared, userIds: g.keys.map((k) => k.userId) })),
      );
      const byGroupUser = new Map(rows.map((r) => [`${r.grp}|${r.user_id}`, r.stats]));
      const indexOf = new Map(groups.flatMap((g) => g.keys.map((k) => [k, g.index] as const)));
      return keys.map((key) => byGroupUser.get(`${indexOf.get(key)}|${key.userId}`) ?? { count: 0, minId: null });
    },
    { maxBatchSize, cacheKeyFn: (k) => `${k.userId}|${k.status ?? ''}` },
  );

  const userTotalSpent = new DataLoader<string, string>(
    async (userIds) => {
      onBatch?.('userTotalSpent', userIds);
      const rows = await sumTotalsForUsers(db, userIds);
      const byUser = new Map(rows.map((r) => [r.user_id, r.spent]));
      return userIds.map((id) => byUser.get(id) ?? '0.00');
    },
    { maxBatchSize },
  );

  return {
    orderById: byIdLoader('orderById', (ids) => findOrdersByIds(db, ids), options),
    itemsByOrderId: groupedLoader('itemsByOrderId', (ids) => findItemsByOrderIds(db, ids), (r) => r.order_id, options),
    userOrdersPage,
    userOrderStats,
    userTotalSpent,
  };
}
