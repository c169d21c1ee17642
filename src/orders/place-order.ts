// placeOrder's rules, in one transaction: the user must exist (checked by the
// orders foreign key); the products
// are locked FOR UPDATE in ascending id order (so concurrent orders queue on
// the same rows and never deadlock each other), their prices and stock read
// under that lock, the total computed in exact cents, the order and its lines
// inserted and the stock taken. Any refusal throws inside the transaction, so
// nothing of it stays. The event is published only after the commit. A
// customer may place orders only for their own user (FORBIDDEN otherwise).
import type { OrderItemRow, OrderRow, ProductRow } from '../db/database.ts';
import { requireAccess, requireOwnUser } from '../access.ts';
import type { Db, DirectTransaction } from '../db/pool.ts';
import { compareIds } from '../db/sql-helpers.ts';
import { transactionWithRetry } from '../db/transaction.ts';
import { BadUserInputError, InsufficientStockError, NotFoundError } from '../errors.ts';
import { fromCents, toCents } from '../money.ts';
import { adjustStockQuery, lockProductsForUpdateWithClock } from '../products/product.writes.ts';
import { parseId } from '../values.ts';
import { checkInt } from '../validation.ts';
import type { Viewer } from '../viewer.ts';
import type { OrderEvents, OrderWrite } from './order.model.ts';
import { insertOrderItemsQuery, insertOrderQuery, orderUserError } from './order.writes.ts';

export const MAX_ORDER_LINES = 100;
/** DECIMAL(12,2): the largest total an order row can hold, in cents. */
const MAX_TOTAL_CENTS = 999_999_999_999n;

export interface PlaceOrderInput {
  userId: string;
  items: readonly { productId: string; quantity: number }[];
}

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** Checks the input and merges lines naming the same product; lines come back by ascending product id. */
export function validatePlaceOrder(input: PlaceOrderInput): { userId: string; lines: OrderLine[] } {
  const userId = parseId(input.userId, 'input.userId');
  const count = input.items.length;
  if (count < 1 || count > MAX_ORDER_LINES) {
    throw new BadUserInputError(`input.items must hold 1 to ${MAX_ORDER_LINES} lines, but got ${count}`, 'input.items');
  }
  const merged = new Map<string, number>();
  input.items.forEach((item, i) => {
    const productId = parseId(item.productId, `input.items[${i}].productId`);
    const quantity = checkInt(item.quantity, `input.items[${i}].quantity`, 1);
    merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  });
  const lines = [...merged].map(([productId, quantity]) => ({ productId, quantity }));
  lines.sort((a, b) => compareIds(a.productId, b.productId));
  return { userId, lines };
}

/** A product as the order rules read it: under its lock, with the stock the order may take from. */
export type PricedProduct = Pick<ProductRow, 'id' | 'sku' | 'price' | 'stock'>;

/**
 * placeOrder's stock and money rules, shared with the bulk import: every line's
 * product must be among `products` (read under their lock), hold the quantity
 * in stock (unless `checkStock` is false, for orders of the past), and the
 * total, summed in exact cents at the products' prices, must fit an order row.
 * Throws NOT_FOUND, INSUFFICIENT_STOCK or BAD_USER_INPUT; changes nothing.
 */
export function priceOrderLines(
  lines: readonly OrderLine[],
  products: ReadonlyMap<string, PricedProduct>,
  options: { checkStock?: boolean } = {},
): { items: Omit<OrderItemRow, 'order_id'>[]; total: string } {
  const missing = lines.filter((line) => !products.has(line.productId)).map((line) => `"${line.productId}"`);
  if (missing.length > 0) {
    throw new NotFoundError(missing.length === 1 ? `No product with id ${missing[0]}` : `No products with ids ${missing.join(', ')}`);
  }
  let totalCents = 0n;
  const items: Omit<OrderItemRow, 'order_id'>[] = [];
  for (const line of lines) {
    const product = products.get(line.productId)!;
    const stock = Number(product.stock);
    if (options.checkStock !== false && stock < line.quantity) {
      throw new InsufficientStockError(
        `Product ${product.id} (${product.sku}) has ${stock} in stock, but the order asks for ${line.quantity}`,
        product.id,
        line.quantity,
        stock,
      );
    }
    totalCents += toCents(product.price) * BigInt(line.quantity);
    items.push({ product_id: product.id, quantity: line.quantity, unit_price: product.price });
  }
  if (totalCents > MAX_TOTAL_CENTS) {
    throw new BadUserInputError(
      `The order total ${fromCents(totalCents)} exceeds the largest total an order can hold, ${fromCents(MAX_TOTAL_CENTS)}`,
      'input.items',
    );
  }
  return { items, total: fromCents(totalCents) };
}

export async function placeOrder(
  db: Db,
  input: PlaceOrderInput,
  viewer: Viewer,
  events?: Pick<OrderEvents, 'publishOrderPlaced'>,
): Promise<OrderWrite> {
  requireAccess(viewer, 'placeOrder');
  const { userId, lines } = validatePlaceOrder(input);
  requireOwnUser(viewer, userId, 'placeOrder', 'input.userId');
  // Two round trips: BEGIN with the locking read, the writes with COMMIT
  // (see DirectTransaction); the statements are written out, not built, on
  // this hottest write (bench/RESULTS.md).
  const written = await transactionWithRetry(db, (trx) => placeOrderIn(trx, userId, lines), {
    failure: 'the order could not be placed',
  });
  // After the commit, never before: a subscriber must never hear of an order that does not exist.
  const position = db.writePosition();
  events?.publishOrderPlaced({ orderId: written.order.id, userId, ...(position ? { position } : {}) });
  return written;
}

async function placeOrderIn(trx: DirectTransaction, userId: string, lines: readonly OrderLine[]): Promise<OrderWrite> {
  // FOR UPDATE: two orders cannot both take the last unit; ascending ids: they cannot deadlock.
  // The user is checked by the orders foreign key when the order is inserted.
  // Text, not prepared, so that BEGIN goes with it in one round trip.
  const { products: locked, now } = await lockProductsForUpdateWithClock(
    trx,
    lines.map((line) => line.productId),
    false,
  );
  const byId = new Map(locked.map((product) => [product.id, product]));
  const { items, total } = priceOrderLines(lines, byId);
  // The order, its lines (LAST_INSERT_ID(): the order just inserted) and the
  // stock, committed in one batch; the first failing statement stops it
  // before COMMIT, and the transaction is rolled back.
  let orderId: string;
  try {
    const [inserted] = await trx.commitWith([
      insertOrderQuery({ userId, total, createdAt: now ?? undefined }),
      insertOrderItemsQuery(items),
      adjustStockQuery(
        lines.map((line) => ({ productId: line.productId, delta: -line.quantity })),
        false,
      ),
    ]);
    orderId = String(inserted!.insertId);
  } catch (error) {
    throw orderUserError(error, userId);
  }
  // The row as inserted; reading it back would cost a round trip for nothing new.
  const order: OrderRow = { id: orderId, user_id: userId, status: 'PENDING', total, created_at: now! };
  const products = lines.map((line) => {
    const product = byId.get(line.productId)!;
    return { ...product, stock: Number(product.stock) - line.quantity };
  });
  return { order, items: items.map((item) => ({ order_id: orderId, ...item })), products };
}
