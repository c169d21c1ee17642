// Every Query field and relation answers exactly what direct SQL over the
// same rows gives: pages, filters, totals to the cent, UTC timestamps.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertOrder, insertProduct, insertUser, rows } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let conn: mysql.Connection;
const id: Record<string, string> = {};

beforeAll(async () => {
  const config = await createTestDatabase('read_queries');
  conn = await sqlConnection(config);
  id.u1 = await insertUser(conn, 'Ann Smith', 'ann@example.com', '2026-01-01 10:00:00.123');
  id.u2 = await insertUser(conn, 'Bob 100% Real', 'bob_real@example.com');
  id.u3 = await insertUser(conn, 'carol', 'CAROL@Example.com');
  id.u4 = await insertUser(conn, 'Dan_', 'dan@x.io');
  for (let i = 5; i <= 25; i++) await insertUser(conn, `User ${i}`, `user${i}@load.test`);
  id.p1 = await insertProduct(conn, 'PEN-1', 'Pen', '0.10', 10);
  id.p2 = await insertProduct(conn, 'MUG-1', 'Mug 50%', '12.50', 0);
  id.p3 = await insertProduct(conn, 'LAMP', 'Lamp', '99.99', 3);
  id.p4 = await insertProduct(conn, 'Book_x', 'Book', '20.00', 1);
  const line = (p: string, quantity: number, unitPrice: string) => ({ productId: id[p]!, quantity, unitPrice });
  id.o1 = await insertOrder(conn, id.u1, [line('p1', 3, '0.10')], 'PENDING', '2026-03-01 00:00:00.000');
  id.o2 = await insertOrder(conn, id.u1, [line('p2', 1, '12.50'), line('p1', 1, '0.10')], 'PAID', '2026-03-02 00:00:00.000');
  id.o3 = await insertOrder(conn, id.u1, [line('p3', 1, '99.99')], 'CANCELLED', '2026-03-03 00:00:00.000');
  id.o4 = await insertOrder(conn, id.u2, [line('p4', 2, '20.00')], 'SHIPPED', '2026-03-04 00:00:00.000');
  id.o5 = await insertOrder(conn, id.u3, [line('p4', 1, '20.00'), line('p1', 1, '0.10'), line('p3', 2, '99.99')], 'PENDING', '2026-03-05 12:30:00.500');
  server = await startTestServer(config);
});

afterAll(async () => {
  await server?.close();
  await conn?.end();
});

async function data<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await server.gql<T>(query, variables);
  expect(res.body.errors).toBeUndefined();
  return res.body.data as T;
}

/** Walks a connection to its end with pages of `first`, returning every node id in order. */
async function walk(field: string, args: string, first: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const d: any = await data(
      `query($after: String) { ${field}(first: ${first}, after: $after${args}) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }`,
      { after },
    );
    const conn = d[field];
    expect(conn.pageInfo.hasPreviousPage).toBe(after !== null && ids.length > 0);
    if (conn.edges.length) {
      expect(conn.pageInfo.startCursor).toBe(conn.edges[0].cursor);
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1).cursor);
    }
    ids.push(...conn.edges.map((e: any) => e.node.id));
    if (!conn.pageInfo.hasNextPage) return ids;
    after = conn.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

const idsOf = (list: { id: string | number }[]) => list.map((r) => String(r.id));

describe('single lookups', () => {
  it('user(id) returns the row with createdAt in UTC with milliseconds', async () => {
    const d = await data(`{ user(id: "${id.u1}") { id name email createdAt } }`);
    expect(d.user).toEqual({ id: id.u1, name: 'Ann Smith', email: 'ann@example.com', createdAt: '2026-01-01T10:00:00.123Z' });
  });

  it('product(id) returns the exact price as a two-decimal string', async () => {
    const d = await data(`{ product(id: "${id.p2}") { id sku name price stock createdAt } }`);
    const [row] = await rows(conn, 'SELECT * FROM products WHERE id = ?', [id.p2]);
    expect(d.product).toMatchObject({ id: id.p2, sku: 'MUG-1', name: 'Mug 50%', price: '12.50', stock: 0 });
    expect(d.product.createdAt).toBe(row.created_at.replace(' ', 'T') + 'Z');
  });

  it('order(id) lists items by product id with exact subtotals and a total equal to the SQL sum', async () => {
    const d = await data(
      `{ order(id: "${id.o5}") { id status total createdAt user { id name } items { quantity unitPrice subtotal product { id } } } }`,
    );
    const [sum] = await rows(conn, 'SELECT SUM(quantity * unit_price) AS s FROM order_items WHERE order_id = ?', [id.o5]);
    expect(d.order.total).toBe(sum.s);
    expect(d.order.total).toBe('220.08');
    expect(d.order.createdAt).toBe('2026-03-05T12:30:00.500Z');
    expect(d.order.user).toEqual({ id: id.u3, name: 'carol' });
    expect(d.order.items).toEqual([
      { quantity: 1, unitPrice: '0.10', subtotal: '0.10', product: { id: id.p1 } },
      { quantity: 2, unitPrice: '99.99', subtotal: '199.98', product: { id: id.p3 } },
      { quantity: 1, unitPrice: '20.00', subtotal: '20.00', product: { id: id.p4 } },
    ]);
  });

  it('money is exact: 3 x 0.10 is "0.30", not a float', async () => {
    const d = await data(`{ order(id: "${id.o1}") { total items { subtotal } } }`);
    expect(d.order).toEqual({ total: '0.30', items: [{ subtotal: '0.30' }] });
  });
});

describe('pagination', () => {
  it.each([1, 7, 25, 100])('walking users with first: %i visits every id in ascending order', async (first) => {
    const all = idsOf(await rows(conn, 'SELECT id FROM users ORDER BY id'));
    expect(await walk('users', '', first)).toEqual(all);
  });

  it('walking products and orders visits every id in ascending order', async () => {
    expect(await walk('products', '', 3)).toEqual(idsOf(await rows(conn, 'SELECT id FROM products ORDER BY id')));
    expect(await walk('orders', '', 2)).toEqual(idsOf(await rows(conn, 'SELECT id FROM orders ORDER BY id')));
  });

  it('totalCount counts every matching row, not just the page', async () => {
    const d = await data('{ users(first: 2) { totalCount nodes { id } } orders(first: 1) { totalCount } products(first: 0) { totalCount } }');
    expect(d.users.totalCount).toBe(25);
    expect(d.users.nodes).toHaveLength(2);
    expect(d.orders.totalCount).toBe(5);
    expect(d.products.totalCount).toBe(4);
  });

  it('first: 0 returns an empty page that still tells whether rows exist', async () => {
    const d = await data('{ users(first: 0) { nodes { id } edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }');
    expect(d.users).toEqual({ nodes: [], edges: [], pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });

  it('the default page size is 20', async () => {
    const d = await data('{ users { nodes { id } pageInfo { hasNextPage } } }');
    expect(d.users.nodes).toHaveLength(20);
    expect(d.users.pageInfo.hasNextPage).toBe(true);
  });

  it('paging past the last row gives an empty page with hasPreviousPage true', async () => {
    const first = await data('{ users(first: 100) { pageInfo { endCursor } } }');
    const d = await data('query($a: String) { users(after: $a) { nodes { id } pageInfo { hasNextPage hasPreviousPage } } }', { a: first.users.pageInfo.endCursor });
    expect(d.users).toEqual({ nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
  });
});

describe('filters', () => {
  it('user search is a case-insensitive substring of name or email', async () => {
    const d = await data('{ a: users(filter: { search: "ANN" }) { nodes { id } } b: users(filter: { search: "example.COM" }) { nodes { id } totalCount } }');
    expect(idsOf(d.a.nodes)).toEqual([id.u1]);
    expect(idsOf(d.b.nodes)).toEqual([id.u1, id.u2, id.u3]);
    expect(d.b.totalCount).toBe(3);
  });

  it('user search treats % and _ as literal characters', async () => {
    const d = await data('{ pct: users(filter: { search: "%" }) { nodes { id } } und: users(filter: { search: "_" }) { nodes { id } } none: users(filter: { search: "a%z" }) { totalCount } }');
    expect(idsOf(d.pct.nodes)).toEqual([id.u2]);
    expect(idsOf(d.und.nodes)).toEqual([id.u2, id.u4]);
    expect(d.none.totalCount).toBe(0);
  });

  it('order filters: status, userId, createdAfter inclusive, createdBefore exclusive', async () => {
    const d = await data(`{
      pending: orders(filter: { status: PENDING }) { nodes { id } totalCount }
      mine: orders(filter: { userId: "${id.u1}" }) { nodes { id } }
      after: orders(filter: { createdAfter: "2026-03-02T00:00:00.000Z" }) { nodes { id } }
      before: orders(filter: { createdBefore: "2026-03-02T00:00:00.000Z" }) { nodes { id } }
      window: orders(filter: { createdAfter: "2026-03-02T00:00:00Z", createdBefore: "2026-03-04T00:00:00.000Z", userId: "${id.u1}" }) { nodes { id } }
      zoned: orders(filter: { createdAfter: "2026-03-05T14:30:00.500+02:00" }) { nodes { id } }
    }`);
    expect(idsOf(d.pending.nodes)).toEqual([id.o1, id.o5]);
    expect(d.pending.totalCount).toBe(2);
    expect(idsOf(d.mine.nodes)).toEqual([id.o1, id.o2, id.o3]);
    expect(idsOf(d.after.nodes)).toEqual([id.o2, id.o3, id.o4, id.o5]);
    expect(idsOf(d.before.nodes)).toEqual([id.o1]);
    expect(idsOf(d.window.nodes)).toEqual([id.o2, id.o3]);
    expect(idsOf(d.zoned.nodes)).toEqual([id.o5]);
  });

  it('product filters: inStock, inclusive price bounds and a literal search, matching SQL', async () => {
    const d = await data(`{
      inStock: products(filter: { inStock: true }) { nodes { id } }
      outOfStock: products(filter: { inStock: false }) { nodes { id } }
      min: products(filter: { minPrice: "12.50" }) { nodes { id } }
      max: products(filter: { maxPrice: 12.5 }) { nodes { id } }
      pct: products(filter: { search: "50%" }) { nodes { id } }
      und: products(filter: { search: "k_X" }) { nodes { id } }
      countIn: productCount(filter: { inStock: true, minPrice: "1" })
      all: productCount
    }`);
    expect(idsOf(d.inStock.nodes)).toEqual(idsOf(await rows(conn, 'SELECT id FROM products WHERE stock > 0 ORDER BY id')));
    expect(idsOf(d.outOfStock.nodes)).toEqual([id.p2]);
    expect(idsOf(d.min.nodes)).toEqual([id.p2, id.p3, id.p4]);
    expect(idsOf(d.max.nodes)).toEqual([id.p1, id.p2]);
    expect(idsOf(d.pct.nodes)).toEqual([id.p2]);
    expect(idsOf(d.und.nodes)).toEqual([id.p4]);
    expect(d.countIn).toBe(2);
    expect(d.all).toBe(4);
  });
});

describe('user relations and aggregates', () => {
  it('orderCount counts cancelled orders and totalSpent excludes them, matching SQL for every user', async () => {
    const d = await data('{ users(first: 100) { nodes { id orderCount totalSpent } } }');
    const expected = await rows(
      conn,
      `SELECT u.id, COUNT(o.id) AS c, COALESCE(SUM(CASE WHEN o.status <> 'CANCELLED' THEN o.total END), 0.00) AS s
       FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id ORDER BY u.id`,
    );
    expect(d.users.nodes).toEqual(expected.map((r) => ({ id: String(r.id), orderCount: Number(r.c), totalSpent: String(r.s) === '0' ? '0.00' : r.s })));
    const ann = d.users.nodes.find((n: any) => n.id === id.u1);
    expect(ann).toEqual({ id: id.u1, orderCount: 3, totalSpent: '12.90' });
    expect(d.users.nodes.find((n: any) => n.id === id.u4)).toEqual({ id: id.u4, orderCount: 0, totalSpent: '0.00' });
  });

  it('User.orders pages each user separately, with status filter and totalCount', async () => {
    const d = await data(`{ users(first: 3) { nodes { id
      all: orders(first: 2) { totalCount nodes { id } pageInfo { hasNextPage } }
      cancelled: orders(status: CANCELLED) { totalCount nodes { id } }
    } } }`);
    const [ann, bob, carol] = d.users.nodes;
    expect(ann.all).toEqual({ totalCount: 3, nodes: [{ id: id.o1 }, { id: id.o2 }], pageInfo: { hasNextPage: true } });
    expect(ann.cancelled).toEqual({ totalCount: 1, nodes: [{ id: id.o3 }] });
    expect(bob.all).toEqual({ totalCount: 1, nodes: [{ id: id.o4 }], pageInfo: { hasNextPage: false } });
    expect(bob.cancelled).toEqual({ totalCount: 0, nodes: [] });
    expect(carol.all.nodes).toEqual([{ id: id.o5 }]);
  });

  it('walking one user\'s orders with after visits them all in order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const d: any = await data('query($id: ID!, $after: String) { user(id: $id) { orders(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage hasPreviousPage endCursor } } } }', { id: id.u1, after });
      const page = d.user.orders;
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.nodes.map((n: any) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(idsOf(await rows(conn, 'SELECT id FROM orders WHERE user_id = ? ORDER BY id', [id.u1])));
  });

  it('aliases asking different pages of the same user each get their own page', async () => {
    const first = await data(`{ user(id: "${id.u1}") { orders(first: 1) { pageInfo { endCursor } } } }`);
    const d = await data(`query($a: String) { user(id: "${id.u1}") { p1: orders(first: 1) { nodes { id } } p2: orders(first: 1, after: $a) { nodes { id } } } }`, {
      a: first.user.orders.pageInfo.endCursor,
    });
    expect(d.user.p1.nodes).toEqual([{ id: id.o1 }]);
    expect(d.user.p2.nodes).toEqual([{ id: id.o2 }]);
  });
});
