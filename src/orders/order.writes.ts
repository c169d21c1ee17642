// All SQL that creates or changes orders and their items, or locks an order
// for a change. Functions take the transaction the change belongs to.
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database, OrderItemRow, OrderRow, OrderStatus } from '../db/database.ts';
import { driverErrorCode, PREPARED, type SqlSession } from '../db/pool.ts';
import { NotFoundError, notFoundMessage } from '../errors.ts';

/**
 * Inserts the order row and returns its id. The foreign key checks the user:
 * an unknown one is NOT_FOUND (one statement instead of a lookup and an insert).
 */
export async function insertOrder(
  trx: SqlSession,
  values: { userId: string; total: string; createdAt?: string },
): Promise<string> {
  try {
    // Written out rather than built, and prepared: this runs once per order, on the hot path.
    const result = values.createdAt
      ? await trx.executeQuery(
          CompiledQuery.raw(`${PREPARED}INSERT INTO orders (user_id, total, status, created_at) VALUES (?, ?, 'PENDING', ?)`, [values.userId, values.total, values.createdAt]),
        )
      : await trx.executeQuery(CompiledQuery.raw(`${PREPARED}INSERT INTO orders (user_id, total, status) VALUES (?, ?, 'PENDING')`, [values.userId, values.total]));
    return String(result.insertId);
  } catch (error) {
    if (driverErrorCode(error) === 'ER_NO_REFERENCED_ROW_2') throw new NotFoundError(notFoundMessage('user', values.userId));
    throw error;
  }
}

/** Inserts all lines of an order in one statement. */
export async function insertOrderItems(trx: SqlSession, items: readonly OrderItemRow[]): Promise<void> {
  if (items.length === 0) return;
  const params = items.flatMap((item) => [item.order_id, item.product_id, item.quantity, item.unit_price]);
  const rows = items.map(() => '(?, ?, ?, ?)').join(', ');
  await trx.executeQuery(CompiledQuery.raw(`${PREPARED}INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ${rows}`, params));
}

export async function findOrderById(trx: Kysely<Database>, id: string): Promise<OrderRow | undefined> {
  return trx.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks one order's row until the transaction ends, so two cancellations cannot both restore its stock. */
export async function lockOrderForUpdate(trx: Kysely<Database>, id: string): Promise<OrderRow | undefined> {
  return trx.selectFrom('orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateOrderStatus(trx: Kysely<Database>, id: string, status: OrderStatus): Promise<void> {
  await trx.updateTable('orders').set({ status }).where('id', '=', id).execute();
}
