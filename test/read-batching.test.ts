// Never N+1: a nested query runs a fixed number of statements whatever the
// page sizes, loaders batch every relation, sibling root fields run
// concurrently, and one failing field leaves its siblings intact. These
// tests pin the resolver (DataLoader) path, with compiled queries off;
// test/compiled-queries.test.ts covers the one-statement path.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let conn: mysql.Connection;
const batches: { loader: string; keys: readonly unknown[] }[] = [];

beforeAll(async () => {
  const config = await createTestDatabase('read_batching', { dbPoolSize: 4, compiledQueries: false });
  conn = await sqlConnection(config);
  // 60 users with 7 orders each, 1-3 items per order over 30 products.
  await conn.query('INSERT INTO users (name, email) VALUES ?', [Array.from({ length: 60 }, (_, i) => [`User ${i}`, `u${i}@batch.test`])]);
  await conn.query('INSERT INTO products (sku, name, price, stock) VALUES ?', [Array.from({ length: 30 }, (_, i) => [`SKU-${i}`, `Product ${i}`, `${i + 1}.25`, 100])]);
  const orders: unknown[][] = [];
  for (let u = 1; u <= 60; u++) for (let o = 0; o < 7; o++) orders.push([u, 'PAID', '0.00']);
  await conn.query('INSERT INTO orders (user_id, status, total) VALUES ?', [orders]);
  const items: unknown[][] = [];
  for (let o = 1; o <= orders.length; o++) for (let k = 0; k < 1 + (o % 3); k++) items.push([o, 1 + ((o + k * 7) % 30), 1 + k, '1.25']);
  await conn.query('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ?', [items]);
  await conn.query('UPDATE orders o SET total = (SELECT SUM(quantity * unit_price) FROM order_items i WHERE i.order_id = o.id)');
  server = await startTestServer(config, { onLoaderBatch: (loader, keys) => batches.push({ loader, keys }) });
});

afterAll(async () => {
  await server?.close();
  await conn?.end();
});

const dashboard = (users: number, orders: number) =>
  `{ users(first: ${users}) { nodes { orders(first: ${orders}) { nodes { items { product { name } } } } } } productCount }`;

describe('statements per request', () => {
  it('the nested dashboard query runs exactly 5 statements, for first: 5 and first: 50 alike', async () => {
    const small = await server.countStatements(() => server.gql(dashboard(5, 5)));
    const large = await server.countStatements(() => server.gql(dashboard(50, 5)));
    expect(small.result.body.errors).toBeUndefined();
    expect(large.result.body.errors).toBeUndefined();
    expect(large.result.body.data.users.nodes).toHaveLength(50);
    // users page, orders of all users, items of all orders, products of all items, productCount
    expect(small.statements).toBe(5);
    expect(large.statements).toBe(5);
  });

  it('growing the inner page size does not add statements either', async () => {
    const a = await server.countStatements(() => server.gql(dashboard(50, 1)));
    const b = await server.countStatements(() => server.gql(dashboard(50, 50)));
    expect(a.statements).toBe(5);
    expect(b.statements).toBe(5);
  });

  it('the request scope counts the same statements as the global counter', async () => {
    const seen: number[] = [];
    const off = server.app.db.stats.onStatement((_e, scope) => scope && seen.push(scope.statements));
    await server.gql(dashboard(10, 3));
    off();
    expect(Math.max(...seen)).toBe(5);
  });

  it('aggregates for many users are one statement together: orderCount, totalSpent, orders totalCount', async () => {
    const { statements, result } = await server.countStatements(() =>
      server.gql('{ users(first: 50) { nodes { orderCount totalSpent orders(first: 2) { totalCount } } } }'),
    );
    expect(result.body.errors).toBeUndefined();
    // users page + orders pages + stats (orderCount, totalSpent and totalCount share one loader)
    expect(statements).toBe(3);
    const expected = await conn.query<any[]>('SELECT user_id, COUNT(*) c, SUM(total) s FROM orders GROUP BY user_id ORDER BY user_id LIMIT 50');
    expect(result.body.data.users.nodes.map((n: any) => [n.orderCount, n.totalSpent])).toEqual(expected[0].map((r: any) => [Number(r.c), r.s]));
  });
});

describe('loader batches', () => {
  it('each relation is loaded in one batch holding every parent key', async () => {
    batches.length = 0;
    await server.gql(dashboard(50, 5));
    const byLoader = new Map<string, number[]>();
    for (const b of batches) byLoader.set(b.loader, [...(byLoader.get(b.loader) ?? []), b.keys.length]);
    expect(byLoader.get('userOrdersPage')).toEqual([50]);
    expect(byLoader.get('itemsByOrderId')).toEqual([250]);
    expect(byLoader.get('productById')).toHaveLength(1);
    // Distinct products only: DataLoader dedupes repeated keys.
    expect(byLoader.get('productById')![0]).toBeLessThanOrEqual(30);
  });

  it('a batch is split once it exceeds the configured maximum size', async () => {
    const config = await createTestDatabase('read_batching_split', { maxBatchSize: 20, compiledQueries: false });
    const local: { loader: string; keys: readonly unknown[] }[] = [];
    const small = await startTestServer(config, { onLoaderBatch: (loader, keys) => local.push({ loader, keys }) });
    try {
      const c = await sqlConnection(config);
      await c.query('INSERT INTO users (name, email) VALUES ?', [Array.from({ length: 45 }, (_, i) => [`U${i}`, `u${i}@split.test`])]);
      await c.end();
      const res = await small.gql('{ users(first: 45) { nodes { orderCount } } }');
      expect(res.body.errors).toBeUndefined();
      expect(local.filter((b) => b.loader === 'userOrderStats').map((b) => b.keys.length)).toEqual([20, 20, 5]);
    } finally {
      await small.close();
    }
  });
});

describe('concurrency and partial failure', () => {
  it('sibling root fields run concurrently: more than one statement is in flight at once', async () => {
    // Warm the pool so both statements find an open connection.
    await Promise.all([server.gql('{ productCount }'), server.gql('{ productCount }')]);
    server.app.db.stats.resetMaxInFlight();
    const res = await server.gql('{ a: users(first: 50) { totalCount } b: productCount c: orders(first: 50) { totalCount } }');
    expect(res.body.errors).toBeUndefined();
    expect(server.app.db.stats.maxInFlight).toBeGreaterThan(1);
  });

  it('a failing field returns null with its error while its siblings keep their data', async () => {
    const res = await server.gql('{ user(id: "999999") { id } productCount bad: product(id: "x1") { id } }');
    expect(res.body.data).toEqual({ user: null, productCount: 30, bad: null });
    const codes = res.body.errors!.map((e) => [e.path, e.extensions?.code]);
    expect(codes).toEqual(expect.arrayContaining([[['user'], 'NOT_FOUND'], [['bad'], 'BAD_USER_INPUT']]));
  });
});
