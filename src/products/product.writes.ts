// All SQL that changes products or locks them for a change. Functions take a
// Kysely handle or, for locking reads, the transaction that holds the locks
// (a Kysely transaction or a direct one: both are a SqlSession).
import { CompiledQuery } from 'kysely';
import type { ProductRow } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { driverErrorCode } from '../db/driver-errors.ts';
import { qb, run } from '../db/query-builder.ts';
import { PREPARED } from '../db/statement.ts';
import { compareIds } from '../db/sql-helpers.ts';
import { ConflictError } from '../errors.ts';

/** INT UNSIGNED: the most units the stock column can hold. */
export const MAX_STOCK_COLUMN = 4_294_967_295;
/**
 * The most units a write through the API may leave in stock: Product.stock is
 * a GraphQL Int (32-bit signed), so a larger stock could be stored but never
 * shown. Writes refuse to go past it rather than create a value no client can read.
 */
export const MAX_STOCK = 2_147_483_647;

export interface NewProduct {
  sku: string;
  name: string;
  price: string;
  stock: number;
}

/** createProduct's CONFLICT for an sku in use (shared with the bulk import). */
export function skuTakenError(sku: string): ConflictError {
  return new ConflictError(`input.sku "${sku}" is already used by another product`, 'input.sku');
}

/** Inserts a product and returns its id; an sku already in use is CONFLICT. */
export async function insertProduct(db: SqlSession, values: NewProduct): Promise<string> {
  try {
    const result = await run(db, qb.insertInto('products').values(values));
    return String(result.insertId);
  } catch (error) {
    if (driverErrorCode(error) === 'ER_DUP_ENTRY') {
      throw skuTakenError(values.sku);
    }
    throw error;
  }
}

/**
 * Locks the products' rows until the transaction ends and returns them, in
 * ascending id order. Every writer locks products in this one order, so two
 * transactions wanting overlapping products queue instead of deadlocking.
 * Unknown ids are simply absent from the result.
 */
export async function lockProductsForUpdate(trx: SqlSession, ids: readonly string[]): Promise<ProductRow[]> {
  return (await lockProductsForUpdateWithClock(trx, ids)).products;
}

/**
 * The same, also reading the database's clock in the same statement: a
 * writer that stamps rows with it (placeOrder) saves a round trip and keeps
 * created_at on the database's clock, as rows inserted with the column
 * default are. `now` is null when no product matched.
 */
export async function lockProductsForUpdateWithClock(
  trx: SqlSession,
  ids: readonly string[],
  prepared = true,
): Promise<{ products: ProductRow[]; now: string | null }> {
  if (ids.length === 0) return { products: [], now: null };
  const sorted = [...ids].sort(compareIds);
  // Written out rather than built: this runs once per order, on the hot path.
  // Prepared unless the caller sends it with BEGIN in one batch (text only).
  const { rows } = await trx.executeQuery<ProductRow & { db_now: string }>(
    CompiledQuery.raw(
      `${prepared ? PREPARED : ''}SELECT id, sku, name, price, stock, created_at, NOW(3) AS db_now FROM products WHERE id IN (${sorted.map(() => '?').join(', ')}) ORDER BY id FOR UPDATE`,
      sorted,
    ),
  );
  const now = rows[0]?.db_now ?? null;
  return { products: rows.map(({ db_now: _, ...product }) => product), now };
}

/**
 * Adds `delta` (negative to take) to the stock of each listed product in one
 * statement. Callers hold the rows' locks and have checked the bounds, so the
 * result stays within the column's bounds.
 */
export async function adjustStock(trx: SqlSession, changes: readonly { productId: string; delta: number }[]): Promise<void> {
  if (changes.length === 0) return;
  await trx.executeQuery(adjustStockQuery(changes));
}

/** adjustStock's UPDATE; `prepared` false for a statement that goes in a batch. */
export function adjustStockQuery(changes: readonly { productId: string; delta: number }[], prepared = true): CompiledQuery {
  const params: unknown[] = [];
  const cases = changes.map((c) => (params.push(c.productId, c.delta), 'WHEN ? THEN CAST(stock AS SIGNED) + ?')).join(' ');
  for (const c of changes) params.push(c.productId);
  const ids = changes.map(() => '?').join(', ');
  return CompiledQuery.raw(`${prepared ? PREPARED : ''}UPDATE products SET stock = CASE id ${cases} END WHERE id IN (${ids})`, params);
}
