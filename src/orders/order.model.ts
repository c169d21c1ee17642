// What a committed order write (placeOrder, cancelOrder) hands back: the
// order, its lines and its products as they now are, so the response can be
// served from primed loaders and shows the new state.
import type { OrderItemRow, OrderRow, ProductRow } from '../db/database.ts';

export interface OrderWrite {
  readonly order: OrderRow;
  /** By ascending product id, as Order.items lists them. */
  readonly items: OrderItemRow[];
  /** The products of the items, with their stock after the write. */
  readonly products: ProductRow[];
}
