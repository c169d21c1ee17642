// The order domain as data: its tables, how each field of Order and
// OrderItem is stored or computed, OrderFilter and User.orders(status) as
// conditions, what counts as spent, and which orders a viewer may see. The repositories, the resolvers and
// the compiled path all read these, so a field or filter is written here once.
import { compare, type Condition } from '../db/conditions.ts';
import type { OrderStatus } from '../db/database.ts';
import { column, computed, type FieldDef } from '../fields.ts';
import { multiplyMoney } from '../money.ts';
import { parseId } from '../values.ts';
import type { Viewer } from '../viewer.ts';

export const ORDER_TABLE = 'orders';
export const ITEM_TABLE = 'order_items';

export const ORDER_FIELDS: Record<string, FieldDef> = {
  id: column('id', 'id'),
  status: column('status', 'string'),
  total: column('total', 'money'),
  createdAt: column('created_at', 'datetime'),
};

export const ITEM_FIELDS: Record<string, FieldDef> = {
  quantity: column('quantity', 'int'),
  unitPrice: column('unit_price', 'money'),
  // Exact either way: DECIMAL arithmetic in the database, integer cents in Node.
  subtotal: computed(
    'money',
    (alias) => `${alias}.quantity * ${alias}.unit_price`,
    (row) => multiplyMoney(String(row.unit_price), Number(row.quantity)),
  ),
};

/** The orders whose totals count towards User.totalSpent. */
export const COUNTS_AS_SPENT = compare('status', '<>', 'CANCELLED');

/** OrderFilter as the client sends it (dates already turned into database UTC text by the DateTime scalar). */
export interface OrderFilterInput {
  status?: OrderStatus | null;
  userId?: string | null;
  /** Inclusive. */
  createdAfter?: string | null;
  /** Exclusive. */
  createdBefore?: string | null;
}

/** The orders a list holds: the viewer's row rule and OrderFilter; a malformed userId is BAD_USER_INPUT naming filter.userId. */
export function orderConditions(filter: OrderFilterInput | null | undefined, viewer: Viewer): Condition[] {
  const conditions = visibleOrders(viewer);
  if (!filter) return conditions;
  if (filter.status) conditions.push(compare('status', '=', filter.status));
  if (filter.userId != null) conditions.push(compare('user_id', '=', parseId(filter.userId, 'filter.userId')));
  if (filter.createdAfter) conditions.push(compare('created_at', '>=', filter.createdAfter));
  if (filter.createdBefore) conditions.push(compare('created_at', '<', filter.createdBefore));
  return conditions;
}

/** User.orders(status): the conditions on a user's orders besides belonging to the user (the row rule included). */
export function userOrderConditions(status: OrderStatus | null, viewer: Viewer): Condition[] {
  const conditions = visibleOrders(viewer);
  return status ? [...conditions, compare('status', '=', status)] : conditions;
}

/** The row rule: a customer sees only their own orders (in lists, counts and lookups alike); an admin every order. */
export function visibleOrders(viewer: Viewer): Condition[] {
  return viewer.kind === 'customer' ? [compare('user_id', '=', viewer.userId)] : [];
}
