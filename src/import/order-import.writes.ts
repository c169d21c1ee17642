// All SQL the import reads and writes orders with, for the batch's
// transaction. Lists are cut into chunks far below MySQL's 65,535
// placeholders; orders without an explicit id go in as a script of
// `INSERT orders; INSERT order_items (LAST_INSERT_ID(), ...)` pairs, which
// gets every order its own id in one round trip per chunk instead of two per
// order (the pool sends multiple statements; every value is a bound
// parameter, see multipleStatements in db/session-settings.ts).
import { CompiledQuery } from 'kysely';
import type { OrderStatus, ProductRow } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { chunk } from '../db/sql-helpers.ts';

const IN_CHUNK = 5000;
/** Orders per script round trip (each up to 100 items). */
const SCRIPT_CHUNK = 100;

export interface OrderToWrite {
  /** Explicit id, or null for a new one. */
  readonly id: string | null;
  readonly userId: string;
  readonly status: OrderStatus;
  readonly total: string;
  /** Database form, or null for the column default (now). */
  readonly createdAt: string | null;
  readonly items: readonly { product_id: string; quantity: number; unit_price: string }[];
}

/** The ids among `ids` that name a row of `table`. */
export async function findExistingIds(trx: SqlSession, table: 'users' | 'orders', ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunk([...new Set(ids)], IN_CHUNK)) {
    const { rows } = await trx.executeQuery<{ id: string }>(
      CompiledQuery.raw(`/* import:existing ${table} */ SELECT id FROM ${table} WHERE id IN (${part.map(() => '?').join(', ')})`, part),
    );
    for (const row of rows) found.add(String(row.id));
  }
  return found;
}

/** Products by id, unlocked: past orders read prices and existence only (the foreign key guards the insert). */
export async function findProducts(trx: SqlSession, ids: readonly string[]): Promise<ProductRow[]> {
  const found: ProductRow[] = [];
  for (const part of chunk([...new Set(ids)], IN_CHUNK)) {
    const { rows } = await trx.executeQuery<ProductRow>(
      CompiledQuery.raw(`/* import:products */ SELECT id, sku, name, price, stock, created_at FROM products WHERE id IN (${part.map(() => '?').join(', ')})`, part),
    );
    found.push(...rows);
  }
  return found;
}

/** Inserts the orders and their items; those with an id in two statements, the others by script. */
export async function insertOrders(trx: SqlSession, orders: readonly OrderToWrite[]): Promise<void> {
  const withId = orders.filter((order) => order.id !== null);
  for (const part of chunk(withId, IN_CHUNK)) {
    const params: unknown[] = [];
    const rows = part.map((o) => (params.push(o.id, o.userId, o.status, o.total, o.createdAt), '(?, ?, ?, ?, COALESCE(?, NOW(3)))'));
    await trx.executeQuery(CompiledQuery.raw(`INSERT INTO orders (id, user_id, status, total, created_at) VALUES ${rows.join(', ')}`, params));
  }
  await insertItems(trx, withId.flatMap((order) => order.items.map((item) => ({ orderId: order.id!, ...item }))));

  // The transaction has begun (the batch read users first), so a script never goes out with BEGIN.
  for (const part of chunk(orders.filter((order) => order.id === null), SCRIPT_CHUNK)) {
    const params: unknown[] = [];
    const statements = part.map((order) => {
      params.push(order.userId, order.status, order.total, order.createdAt);
      const items = order.items.map((item) => (params.push(item.product_id, item.quantity, item.unit_price), '(LAST_INSERT_ID(), ?, ?, ?)'));
      return (
        'INSERT INTO orders (user_id, status, total, created_at) VALUES (?, ?, ?, COALESCE(?, NOW(3))); ' +
        `INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ${items.join(', ')}`
      );
    });
    await trx.executeQuery(CompiledQuery.raw(statements.join('; '), params));
  }
}

/** Replaces stored orders (--historical --on-conflict update): their row, and their items deleted and inserted anew. */
export async function replaceOrders(trx: SqlSession, orders: readonly OrderToWrite[]): Promise<void> {
  for (const order of orders) {
    await trx.executeQuery(
      CompiledQuery.raw('UPDATE orders SET user_id = ?, status = ?, total = ?, created_at = COALESCE(?, created_at) WHERE id = ?', [
        order.userId,
        order.status,
        order.total,
        order.createdAt,
        order.id,
      ]),
    );
  }
  for (const part of chunk(orders.map((order) => order.id!), IN_CHUNK)) {
    await trx.executeQuery(CompiledQuery.raw(`DELETE FROM order_items WHERE order_id IN (${part.map(() => '?').join(', ')})`, part));
  }
  await insertItems(trx, orders.flatMap((order) => order.items.map((item) => ({ orderId: order.id!, ...item }))));
}

async function insertItems(trx: SqlSession, items: readonly { orderId: string; product_id: string; quantity: number; unit_price: string }[]): Promise<void> {
  for (const part of chunk(items, IN_CHUNK)) {
    const params: unknown[] = [];
    const rows = part.map((item) => (params.push(item.orderId, item.product_id, item.quantity, item.unit_price), '(?, ?, ?, ?)'));
    await trx.executeQuery(CompiledQuery.raw(`INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ${rows.join(', ')}`, params));
  }
}
