// All SQL that creates or changes orders and their items, or locks an order
// for a change: statements for placeOrder's batch, functions taking the
// transaction the change belongs to.
import { CompiledQuery } from 'kysely';
import type { OrderItemRow, OrderRow, OrderStatus } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { driverErrorCode } from '../db/driver-errors.ts';
import type { Condition } from '../db/conditions.ts';
import { first, qb, run, where } from '../db/query-builder.ts';
import { ORDER_TABLE } from './order.fields.ts';
import { NotFoundError, notFoundMessage } from '../errors.ts';

/**
 * The INSERT of a new PENDING order (created_at from the column default
 * unless given), as text for placeOrder's batch. Its foreign key checks the
 * user: see orderUserError.
 */
export function insertOrderQuery(values: { userId: string; total: string; createdAt?: string }): CompiledQuery {
  // Written out rather than built: this runs once per order, on the hot path.
  return values.createdAt
    ? CompiledQuery.raw("INSERT INTO orders (user_id, total, status, created_at) VALUES (?, ?, 'PENDING', ?)", [values.userId, values.total, values.createdAt])
    : CompiledQuery.raw("INSERT INTO orders (user_id, total, status) VALUES (?, ?, 'PENDING')", [values.userId, values.total]);
}

/** An unknown user fails the orders foreign key: NOT_FOUND (one statement instead of a lookup and an insert). */
export function orderUserError(error: unknown, userId: string): unknown {
  return driverErrorCode(error) === 'ER_NO_REFERENCED_ROW_2' ? new NotFoundError(notFoundMessage('user', userId)) : error;
}

/**
 * The INSERT of all lines of the order inserted just before it in the same
 * batch, in one statement: LAST_INSERT_ID() is that order's id (it is kept
 * per connection).
 */
export function insertOrderItemsQuery(items: readonly Omit<OrderItemRow, 'order_id'>[]): CompiledQuery {
  const params: unknown[] = [];
  const rows = items.map((item) => (params.push(item.product_id, item.quantity, item.unit_price), '(LAST_INSERT_ID(), ?, ?, ?)')).join(', ');
  return CompiledQuery.raw(`INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ${rows}`, params);
}

/**
 * Locks one order's row until the transaction ends, so two cancellations
 * cannot both restore its stock; undefined when there is none meeting
 * `conditions` (the viewer's row rule).
 */
export async function lockOrderForUpdate(trx: SqlSession, id: string, conditions: readonly Condition[] = []): Promise<OrderRow | undefined> {
  const query = qb.selectFrom('orders').selectAll().where('id', '=', id);
  return first(trx, (conditions.length ? query.where(where(conditions, ORDER_TABLE)) : query).forUpdate());
}

export async function updateOrderStatus(trx: SqlSession, id: string, status: OrderStatus): Promise<void> {
  await run(trx, qb.updateTable('orders').set({ status }).where('id', '=', id));
}
