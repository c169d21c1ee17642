// restockProducts: up to 500 items, run `concurrency` at a time, each in its
// own transaction. An item's failure (malformed id, bad quantity, unknown
// product, overflow, even a crash) becomes that item's `error` and never
// touches the others; results keep the input order.
import { requireAccess } from '../access.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import type { ProductRow } from '../db/database.ts';
import type { Db, SqlSession } from '../db/pool.ts';
import { transactionWithRetry } from '../db/transaction.ts';
import { BadUserInputError, isAppError, NotFoundError, notFoundMessage, UNEXPECTED_ERROR_MESSAGE } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Viewer } from '../viewer.ts';
import { parseId } from '../values.ts';
import { checkInt } from '../validation.ts';
import type { RestockOutcome } from './product.model.ts';
import { adjustStock, lockProductsForUpdate, MAX_STOCK } from './product.writes.ts';

export const MAX_RESTOCK_ITEMS = 500;

export interface RestockItem {
  productId: string;
  quantity: number;
}

export interface RestockOptions {
  /** Items in flight at once; each holds one pool connection while it runs. */
  concurrency: number;
  /** Where an unexpected per-item failure is logged in full (the client sees it masked). */
  log: Logger;
}

export async function restockProducts(
  db: Db,
  items: readonly RestockItem[],
  options: RestockOptions,
  viewer: Viewer,
): Promise<RestockOutcome[]> {
  requireAccess(viewer, 'restockProducts');
  if (items.length > MAX_RESTOCK_ITEMS) {
    throw new BadUserInputError(`items must hold at most ${MAX_RESTOCK_ITEMS} entries, but got ${items.length}`, 'items');
  }
  return mapWithConcurrency(items, options.concurrency, (item, index) => restockOne(db, item, index, options.log));
}

async function restockOne(db: Db, item: RestockItem, index: number, log: Logger): Promise<RestockOutcome> {
  try {
    const productId = parseId(item.productId, `items[${index}].productId`);
    const quantity = checkInt(item.quantity, `items[${index}].quantity`, 1, MAX_STOCK);
    const product = await transactionWithRetry(db, (trx) => addStock(trx, productId, quantity, index), {
      failure: `product ${productId} could not be restocked`,
    });
    return { productId: item.productId, product, error: null };
  } catch (error) {
    if (isAppError(error)) return { productId: item.productId, product: null, error: { code: error.code, message: error.message } };
    log.error({ err: error, item: index, productId: item.productId }, 'unexpected error restocking a product');
    return { productId: item.productId, product: null, error: { code: 'INTERNAL_SERVER_ERROR', message: UNEXPECTED_ERROR_MESSAGE } };
  }
}

async function addStock(trx: SqlSession, productId: string, quantity: number, index: number): Promise<ProductRow> {
  // Locked first so the overflow check and the update see the same stock.
  const [row] = await lockProductsForUpdate(trx, [productId]);
  if (!row) throw new NotFoundError(notFoundMessage('product', productId));
  const stock = row.stock + quantity;
  if (stock > MAX_STOCK) {
    throw new BadUserInputError(
      `items[${index}].quantity ${quantity} would raise the stock of product ${productId} from ${row.stock} to ${stock}, above the largest stock a product can report, ${MAX_STOCK}`,
      `items[${index}].quantity`,
    );
  }
  await adjustStock(trx, [{ productId, delta: quantity }]);
  return { ...row, stock };
}
