// Thin resolvers for Order and OrderItem: validate arguments, ask loaders or
// repositories.
import { requireAccess, requireOwnUser } from '../access.ts';
import { buildConnection, checkFirst, decodeCursor, toPage } from '../connections.ts';
import type { Context } from '../context.ts';
import { NotFoundError, notFoundMessage } from '../errors.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { clearAllLoaders, primeOrderWrite } from '../loaders.ts';
import { parseId } from '../values.ts';
import { cancelOrder } from './cancel-order.ts';
import type { OrderItemRow, OrderRow } from '../db/database.ts';
import { fieldResolvers } from '../fields.ts';
import { ITEM_FIELDS, ORDER_FIELDS, orderConditions } from './order.fields.ts';
import { countOrders, findOrdersPage } from './order.repository.ts';
import type { OrderPlacedEvent } from './order.model.ts';
import { placeOrder } from './place-order.ts';

export const orderResolvers: Resolvers = {
  Query: {
    async order(_parent, args, { viewer, loaders }) {
      requireAccess(viewer, 'order');
      const id = parseId(args.id);
      const order = await loaders.orderById.load(id);
      if (!order) throw new NotFoundError(notFoundMessage('order', id));
      return order;
    },
    async orders(_parent, args, { db, viewer, loaders }) {
      requireAccess(viewer, 'orders');
      const first = checkFirst(args.first);
      const afterId = decodeCursor('Order', args.after);
      const where = orderConditions(args.filter, viewer);
      const rows = await findOrdersPage(db, { first, afterId, where });
      for (const row of rows) loaders.orderById.prime(row.id, row);
      return buildConnection('Order', toPage(rows, first), afterId, () => countOrders(db, where));
    },
  },
  Mutation: {
    async placeOrder(_parent, { input }, { db, viewer, loaders, pubsub }) {
      const written = await placeOrder(db, input, viewer, pubsub);
      primeOrderWrite(loaders, written);
      return written.order;
    },
    async cancelOrder(_parent, { id }, { db, viewer, loaders }) {
      const written = await cancelOrder(db, id, viewer);
      primeOrderWrite(loaders, written);
      return written.order;
    },
  },
  Subscription: {
    orderPlaced: {
      subscribe(_parent, args, { viewer, pubsub }) {
        requireAccess(viewer, 'orderPlaced');
        const userId = args.userId != null ? parseId(args.userId, 'userId') : null;
        if (userId !== null) requireOwnUser(viewer, userId, 'orderPlaced', 'userId');
        // A customer hears only of their own orders, asked for or not.
        return pubsub.subscribeOrderPlaced(viewer.kind === 'customer' ? viewer.userId : userId);
      },
      async resolve(event: OrderPlacedEvent, _args: unknown, { db, loaders }: Context) {
        // One context serves the whole subscription: start each event from fresh rows,
        // read where the order's commit has arrived (a replica may still be behind it).
        clearAllLoaders(loaders);
        if (event.position) db.noteWritePosition(event.position, ['orders', 'order_items', 'products']);
        const order = await loaders.orderById.load(event.orderId);
        // Published after its commit, so it exists; unless it was deleted out of band since.
        if (!order) throw new NotFoundError(`Order ${event.orderId} no longer exists`);
        return order;
      },
    },
  },
  Order: {
    ...fieldResolvers<OrderRow>(ORDER_FIELDS),
    async user(order, _args, { loaders }) {
      const user = await loaders.userById.load(order.user_id);
      // The foreign key makes this impossible; say so loudly if it happens.
      if (!user) throw new Error(`order ${order.id} references missing user ${order.user_id}`);
      return user;
    },
    items: (order, _args, { loaders }) => loaders.itemsByOrderId.load(order.id),
  },
  OrderItem: {
    ...fieldResolvers<OrderItemRow>(ITEM_FIELDS),
    async product(item, _args, { loaders }) {
      const product = await loaders.productById.load(item.product_id);
      if (!product) throw new Error(`order item references missing product ${item.product_id}`);
      return product;
    },
  },
};
