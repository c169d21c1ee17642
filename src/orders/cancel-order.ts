// cancelOrder's rules, in one transaction: the order row is locked first (so
// two cancellations of the same order queue and the second sees CANCELLED),
// then its products in ascending id order like every other writer; the stock
// of each line is given back and the order marked CANCELLED. A customer can
// cancel only their own orders: another's is locked through the row rule,
// so it does not exist for them (NOT_FOUND).
import { requireAccess } from '../access.ts';
import type { Condition } from '../db/conditions.ts';
import type { Db, SqlSession } from '../db/pool.ts';
import { transactionWithRetry } from '../db/transaction.ts';
import { ConflictError, NotFoundError, notFoundMessage } from '../errors.ts';
import { adjustStock, lockProductsForUpdate, MAX_STOCK_COLUMN } from '../products/product.writes.ts';
import { parseId } from '../values.ts';
import type { Viewer } from '../viewer.ts';
import { visibleOrders } from './order.fields.ts';
import type { OrderWrite } from './order.model.ts';
import { findItemsByOrderIds } from './order.repository.ts';
import { lockOrderForUpdate, updateOrderStatus } from './order.writes.ts';

export async function cancelOrder(db: Db, rawId: string, viewer: Viewer): Promise<OrderWrite> {
  requireAccess(viewer, 'cancelOrder');
  const id = parseId(rawId);
  const visible = visibleOrders(viewer);
  return transactionWithRetry(db, (trx) => cancelOrderIn(trx, id, visible), { failure: `order ${id} could not be cancelled` });
}

async function cancelOrderIn(trx: SqlSession, id: string, visible: readonly Condition[]): Promise<OrderWrite> {
  const order = await lockOrderForUpdate(trx, id, visible);
  if (!order) throw new NotFoundError(notFoundMessage('order', id));
  if (order.status === 'SHIPPED' || order.status === 'CANCELLED') {
    throw new ConflictError(`Order ${id} is ${order.status} and can no longer be cancelled`, 'id');
  }
  const items = await findItemsByOrderIds(trx, [id]);
  const locked = await lockProductsForUpdate(
    trx,
    items.map((item) => item.product_id),
  );
  const byId = new Map(locked.map((product) => [product.id, product]));
  const products = items.map((item) => {
    const product = byId.get(item.product_id);
    // The foreign key makes this impossible; say so loudly if it happens.
    if (!product) throw new Error(`order ${id} references missing product ${item.product_id}`);
    const stock = Number(product.stock) + item.quantity;
    if (stock > MAX_STOCK_COLUMN) {
      throw new ConflictError(
        `Cancelling order ${id} would raise the stock of product ${product.id} above the maximum of ${MAX_STOCK_COLUMN}`,
        'id',
      );
    }
    return { ...product, stock };
  });
  await adjustStock(
    trx,
    items.map((item) => ({ productId: item.product_id, delta: item.quantity })),
  );
  await updateOrderStatus(trx, id, 'CANCELLED');
  return { order: { ...order, status: 'CANCELLED' }, items, products };
}
