// The baseline's answers to the point lookup, the dashboard, the client document and the deep page:
// the SQL a careful engineer writes for each (why, per statement, in bench/README.md).
import { encodeCursor, fromCents, toCents, toIsoUtc } from './common.ts';
import { afterId, BULK, checkFirst, GraphQLError, groupBy, isId, marks, POINT, pool, sql, type Json, type Rows } from './baseline-db.ts';

function userId(vars: Json): string {
  if (!isId(vars.id)) throw new GraphQLError('Invalid ID.', 'BAD_USER_INPUT');
  return vars.id;
}

const money = (value: unknown): string => fromCents(toCents(String(value ?? '0')));

export async function userById(vars: Json): Promise<Json> {
  const id = userId(vars);
  const rows = await sql(
    POINT,
    pool,
    // One pass over the user's orders for both aggregates (as the gateway's compiled SQL does since round 7).
    `SELECT u.id, u.name, u.email, u.created_at, o.order_count, o.total_spent
     FROM users u
     JOIN (SELECT COUNT(*) AS order_count, COALESCE(SUM(IF(status <> 'CANCELLED', total, 0)), 0) AS total_spent FROM orders WHERE user_id = ?) o
     WHERE u.id = ?`,
    [id, id],
  );
  const u = rows[0];
  if (!u) throw new GraphQLError('User not found.', 'NOT_FOUND', { user: null });
  return {
    user: {
      id: u.id,
      name: u.name,
      email: u.email,
      createdAt: toIsoUtc(u.created_at),
      orderCount: Number(u.order_count),
      totalSpent: money(u.total_spent),
    },
  };
}

/**
 * Dashboard: the 50 users and the product count at once; then their first 5 orders each
 * (ROW_NUMBER per user over the (user_id, id) index); then those orders' items joined to their
 * products. Joined, each item reads its product by primary key (~660 rows); fetched apart by
 * `id IN (~600 ids)`, MariaDB scanned all 2,000 products instead (measured with user statistics),
 * and it is one round trip more.
 */
export async function dashboard(): Promise<Json> {
  const [counted, users] = await Promise.all([
    sql(BULK, pool, 'SELECT COUNT(*) AS n FROM products'),
    sql(BULK, pool, 'SELECT id, name FROM users ORDER BY id LIMIT 50'),
  ]);
  const userIds = users.map((u) => String(u.id));
  const orders = userIds.length === 0 ? [] : await sql(
    BULK, pool,
    `SELECT id, user_id, total, status FROM (
       SELECT id, user_id, total, status, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id) AS rn
       FROM orders WHERE user_id IN (${marks(userIds.length)})) t
     WHERE rn <= 5 ORDER BY user_id, id`,
    userIds,
  );
  const items = await orderItemsWithProducts(orders.map((o) => String(o.id)), BULK);
  const itemsByOrder = groupBy(items, (i) => String(i.order_id));
  const ordersByUser = groupBy(orders, (o) => String(o.user_id));
  const nodes = users.map((u) => ({
    id: u.id,
    name: u.name,
    orders: {
      nodes: (ordersByUser.get(String(u.id)) ?? []).map((o) => ({
        id: o.id,
        total: o.total,
        status: o.status,
        items: (itemsByOrder.get(String(o.id)) ?? []).map((i) => ({ quantity: i.quantity, unitPrice: i.unit_price, product: { id: i.product_id, name: i.name, price: i.price } })),
      })),
    },
  }));
  return { users: { nodes }, productCount: Number(counted[0]?.n) };
}

/**
 * ClientDocument: the user with orderCount/totalSpent and, with $withOrders, its first 5 orders.
 * One statement reads the user's orders once for both: the window aggregates run over all of
 * them before the LIMIT keeps the first 6 (5 and one more for hasNextPage). Without orders, the
 * point lookup's statement. Then the items of those orders with their products, joined.
 */
export async function clientDocument(vars: Json): Promise<Json> {
  const id = userId(vars);
  if (typeof vars.withOrders !== 'boolean') throw new GraphQLError('withOrders must be a Boolean.', 'BAD_USER_INPUT');
  if (!vars.withOrders) {
    const { user } = (await userById({ id })) as { user: Json };
    return { user: withTypename('User', user) };
  }
  const rows = await sql(
    POINT,
    pool,
    `SELECT u.id, u.name, u.email, o.id AS order_id, o.status, o.total, o.created_at, o.order_count, o.total_spent
     FROM users u
     LEFT JOIN (SELECT id, status, total, created_at,
                       COUNT(*) OVER () AS order_count, SUM(IF(status <> 'CANCELLED', total, 0)) OVER () AS total_spent
                FROM orders WHERE user_id = ? ORDER BY id LIMIT 6) o ON TRUE
     WHERE u.id = ? ORDER BY o.id`,
    [id, id],
  );
  const u = rows[0];
  if (!u) throw new GraphQLError('User not found.', 'NOT_FOUND', { user: null });
  const orders = rows.filter((r) => r.order_id !== null);
  const page = orders.slice(0, 5);
  const items = await orderItemsWithProducts(page.map((o) => String(o.order_id)), POINT);
  const byOrder = groupBy(items, (i) => String(i.order_id));
  const edges = page.map((o) => ({
    __typename: 'OrderEdge',
    cursor: encodeCursor('Order', o.order_id),
    node: {
      __typename: 'Order',
      id: o.order_id,
      status: o.status,
      total: o.total,
      createdAt: toIsoUtc(o.created_at),
      items: (byOrder.get(String(o.order_id)) ?? []).map((i) => ({
        __typename: 'OrderItem',
        quantity: i.quantity,
        unitPrice: i.unit_price,
        product: { __typename: 'Product', id: i.product_id, name: i.name, price: i.price },
      })),
    },
  }));
  const last = page.at(-1);
  return {
    user: {
      __typename: 'User',
      id: u.id,
      name: u.name,
      email: u.email,
      orderCount: Number(u.order_count ?? 0),
      totalSpent: money(u.total_spent),
      orders: {
        __typename: 'OrderConnection',
        edges,
        pageInfo: { __typename: 'PageInfo', hasNextPage: orders.length > 5, endCursor: last ? encodeCursor('Order', last.order_id) : null },
      },
    },
  };
}

function withTypename(typename: string, object: Json): Json {
  const { id, name, email, orderCount, totalSpent } = object;
  return { __typename: typename, id, name, email, orderCount, totalSpent };
}

/** The items of some orders with their product's id, name and price, by order then product id. */
export async function orderItemsWithProducts(orderIds: string[], mode: typeof POINT): Promise<Rows> {
  if (orderIds.length === 0) return [];
  return sql(
    mode,
    pool,
    `SELECT i.order_id, i.quantity, i.unit_price, p.id AS product_id, p.name, p.price
     FROM order_items i JOIN products p ON p.id = i.product_id
     WHERE i.order_id IN (${marks(orderIds.length)}) ORDER BY i.order_id, i.product_id`,
    orderIds,
  );
}

/** DeepPage: keyset paging on the primary key, first + 1 rows (the extra one only says a next page exists). */
export async function deepPage(vars: Json): Promise<Json> {
  const first = checkFirst(vars.first);
  const after = afterId('User', vars.after);
  // LIMIT is written into the text (0..101, validated above): a bound LIMIT is refused by some servers' prepared statements.
  const rows = await sql(
    POINT,
    pool,
    after === null
      ? `SELECT id, name, email, created_at FROM users ORDER BY id LIMIT ${first + 1}`
      : `SELECT id, name, email, created_at FROM users WHERE id > ? ORDER BY id LIMIT ${first + 1}`,
    after === null ? [] : [after],
  );
  const page = rows.slice(0, first);
  const last = page.at(-1);
  return {
    users: {
      edges: page.map((u) => ({
        cursor: encodeCursor('User', u.id),
        node: { id: u.id, name: u.name, email: u.email, createdAt: toIsoUtc(u.created_at) },
      })),
      pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor('User', last.id) : null },
    },
  };
}
