// What a committed order write (placeOrder, cancelOrder) hands back: the
// order, its lines and its products as they now are, so the response can be
// served from primed loaders and shows the new state; and the event that
// announces a placed order, with the feed it goes through.
import type { OrderItemRow, OrderRow, ProductRow } from '../db/database.ts';

export interface OrderWrite {
  readonly order: OrderRow;
  /** By ascending product id, as Order.items lists them. */
  readonly items: OrderItemRow[];
  /** The products of the items, with their stock after the write. */
  readonly products: ProductRow[];
}

export interface OrderPlacedEvent {
  readonly orderId: string;
  readonly userId: string;
  /** With read replicas: the GTID position of the order's commit, so a subscriber's read waits for it (Db.noteWritePosition). */
  readonly position?: string;
}

/** Where committed orders are announced (pubsub.ts: in process, or through Redis). */
export interface OrderEvents {
  /** Announces a committed order; never throws, a lost event is logged. */
  publishOrderPlaced(event: OrderPlacedEvent): void;
  /** Orders placed from now on, only those of `userId` when given. */
  subscribeOrderPlaced(userId: string | null): AsyncIterable<OrderPlacedEvent>;
}
