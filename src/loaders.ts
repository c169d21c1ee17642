// All per-request loaders, built fresh for each request so no cache outlives it
// and no user ever sees another request's rows. After a write, the written
// rows replace cached ones and the aggregates they change are forgotten, so a
// mutation's response (and any later field of the same request) shows the new state.
import type { ProductRow } from './db/database.ts';
import type { SqlSession } from './db/direct.ts';
import type { Viewer } from './viewer.ts';
import { replaceCached, type LoaderOptions } from './db/loader-helpers.ts';
import { createOrderLoaders } from './orders/order.loaders.ts';
import type { OrderWrite } from './orders/order.model.ts';
import { createProductLoaders } from './products/product.loaders.ts';
import { createUserLoaders } from './users/user.loaders.ts';

/** The loaders of one request, for its viewer: they see only the rows the viewer may see. */
export function createLoaders(db: SqlSession, options: LoaderOptions, viewer: Viewer) {
  return {
    ...createUserLoaders(db, options, viewer),
    ...createProductLoaders(db, options),
    ...createOrderLoaders(db, options, viewer),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Forgets every cached row, e.g. before a long-lived subscription resolves its next event. */
export function clearAllLoaders(loaders: Loaders): void {
  for (const loader of Object.values(loaders)) loader.clearAll();
}

export function primeProducts(loaders: Loaders, products: readonly ProductRow[]): void {
  for (const product of products) replaceCached(loaders.productById, product.id, product);
}

/** After placeOrder / cancelOrder committed. */
export function primeOrderWrite(loaders: Loaders, write: OrderWrite): void {
  replaceCached(loaders.orderById, write.order.id, write.order);
  replaceCached(loaders.itemsByOrderId, write.order.id, write.items);
  primeProducts(loaders, write.products);
  // Keys of these carry page and status arguments; dropping them all is simplest and cheap.
  loaders.userOrdersPage.clearAll();
  loaders.userOrderStats.clearAll();
}
