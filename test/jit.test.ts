// graphql-jit on the Yoga path (GRAPHQL_JIT=true) answers byte for byte what
// graphql-js answers: data in the spec's field order, errors with their
// locations (also for CRLF query text), paths and codes, and our scalars' own
// messages for bad variables. Documents it would order differently
// (fragments, @skip/@include) and variables graphql-js refuses run on
// graphql-js; everything else runs on graphql-jit, as the hook proves.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertOrder, insertProduct, insertUser, rows } from './support/fixtures.ts';
import { redisReachable, TEST_REDIS_URL } from './support/redis.ts';
import { errorsByPath, startTestServer, type TestServer } from './support/server.ts';
import { subscribe } from './support/sse.ts';

let jit: TestServer;
let configOfFile: Config;
let plain: TestServer;
let conn: mysql.Connection;
const decisions: boolean[] = [];
const id: Record<string, string> = {};

beforeAll(async () => {
  const config = await createTestDatabase('jit', { compiledQueries: false });
  configOfFile = config;
  conn = await sqlConnection(config);
  id.u1 = await insertUser(conn, 'Zoë "Quote" O\'Brien \\ back', 'zoe@jit.test', '2026-02-03 04:05:06.007');
  id.u2 = await insertUser(conn, 'Line\nBreak', 'line@jit.test');
  id.p1 = await insertProduct(conn, 'A_1', 'Pen', '0.10', 10);
  id.p2 = await insertProduct(conn, 'B-2', 'Mug', '12.50', 1);
  for (let i = 0; i < 4; i++) {
    await insertOrder(conn, id.u1, [{ productId: id.p1, quantity: 1 + i, unitPrice: '0.10' }, { productId: id.p2, quantity: 1, unitPrice: '12.50' }], i === 3 ? 'CANCELLED' : 'PAID');
  }
  jit = await startTestServer(configWith(config, { graphqlJit: true }), { onJitDecision: (used) => decisions.push(used) });
  plain = await startTestServer(configWith(config, { graphqlJit: false }));
});

afterAll(async () => {
  await jit?.close();
  await plain?.close();
  await conn?.end();
});

/** Sends the query to both servers and expects the same status and bytes; returns jit's decisions and body. */
async function same(query: string, variables?: Record<string, unknown>): Promise<{ jit: boolean[]; body: any }> {
  decisions.length = 0;
  const a = await jit.gql(query, variables);
  const used = [...decisions];
  const b = await plain.gql(query, variables);
  expect(a.status).toBe(b.status);
  expect(JSON.stringify(errorsByPath(a.body))).toBe(JSON.stringify(errorsByPath(b.body)));
  return { jit: used, body: errorsByPath(a.body) };
}

describe('graphql-jit answers as graphql-js does', () => {
  it('the dashboard query, on graphql-jit', async () => {
    const r = await same(`{ users(first: 50) { nodes { id name orders(first: 5) { nodes { id total status items { quantity unitPrice product { id name price } } } } } } productCount }`);
    expect(r.jit).toEqual([true]);
    expect(r.body.data.users.nodes[0].orders.nodes).toHaveLength(4);
  });

  it('Product.inStock, a field derived from the domain definition, on graphql-jit', async () => {
    await conn.query("INSERT INTO products (sku, name, price, stock) VALUES ('JIT-EMPTY', 'Empty', '1.00', 0)");
    try {
      const r = await same('{ products { nodes { sku stock inStock } } }');
      expect(r.jit).toEqual([true]);
      expect(r.body.data.products.nodes.map((p: any) => p.inStock)).toEqual([true, true, false]);
    } finally {
      await conn.query("DELETE FROM products WHERE sku = 'JIT-EMPTY'");
    }
  });

  it('every scalar, repeated and aliased fields in their first-seen order', async () => {
    const r = await same(`{
      users { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { email id } } nodes { totalSpent name createdAt id orderCount name } }
      a: products { nodes { stock price sku id } } b: products(first: 1) { nodes { id } }
      orders(first: 100) { nodes { items { subtotal product { name } quantity unitPrice } createdAt total status id user { id email } } }
      productCount
    }`);
    expect(r.jit).toEqual([true]);
    expect(Object.keys(r.body.data.users.nodes[0])).toEqual(['totalSpent', 'name', 'createdAt', 'id', 'orderCount']);
  });

  it('NOT_FOUND with its location, for LF and CRLF query text', async () => {
    for (const newline of ['\n', '\r\n', '\r']) {
      const r = await same(`{${newline}  a: user(id: "${id.u1}") { id }${newline}  b: user(id: "424242") { id }${newline}  c: product(id: "999") { name } }`);
      expect(r.jit).toEqual([true]);
      expect(r.body.errors).toHaveLength(2);
      expect(r.body.errors[0]).toMatchObject({ locations: [{ line: 3, column: 3 }], path: ['b'], extensions: { code: 'NOT_FOUND' } });
    }
  });

  it('a bad argument is BAD_USER_INPUT at its field', async () => {
    const r = await same(`{ users(first: 250) { nodes { id } } }`);
    expect(r.jit).toEqual([true]);
    expect(r.body.errors[0]).toMatchObject({ path: ['users'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(r.body.errors[0].locations).toEqual([{ line: 1, column: 3 }]);
  });

  it('good variables run on graphql-jit; a variable graphql-js refuses runs there, with our scalar\'s message', async () => {
    const good = await same(`query($id: ID!, $min: Decimal) { user(id: $id) { name } products(filter: { minPrice: $min }) { nodes { id } } }`, { id: id.u1, min: '1.00' });
    expect(good.jit).toEqual([true]);
    expect(good.body.data.products.nodes).toEqual([{ id: id.p2 }]);
    const bad = await same(`query($min: Decimal) { products(filter: { minPrice: $min }) { nodes { id } } }`, { min: '1.005' });
    expect(bad.jit).toEqual([false]);
    expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(bad.body.errors[0].message).toMatch(/at most 10 digits and 2 decimals/);
  });

  it('fragments and @skip/@include run on graphql-js, in the spec\'s field order', async () => {
    const fragments = await same(`{ user(id: "${id.u1}") { ...U ... on User { email } name } } fragment U on User { __typename id name handle: email }`);
    expect(fragments.jit).toEqual([false]);
    expect(Object.keys(fragments.body.data.user)).toEqual(['__typename', 'id', 'name', 'handle', 'email']);
    const directives = await same(`{ user(id: "${id.u1}") { email @include(if: false) id name email } }`);
    expect(directives.jit).toEqual([false]);
    expect(Object.keys(directives.body.data.user)).toEqual(['id', 'name', 'email']);
  });

  it('a refused mutation: the same error, nothing written', async () => {
    const before = await rows(conn, 'SELECT id, stock FROM products ORDER BY id');
    const r = await same(`mutation {\n  placeOrder(input: { userId: "${id.u2}", items: [{ productId: "${id.p2}", quantity: 5 }] }) { id total } }`);
    expect(r.jit).toEqual([true]);
    expect(r.body.errors[0]).toMatchObject({ locations: [{ line: 2, column: 3 }], path: ['placeOrder'], extensions: { code: 'INSUFFICIENT_STOCK' } });
    expect(r.body.data).toBeNull();
    expect(await rows(conn, 'SELECT id, stock FROM products ORDER BY id')).toEqual(before);
  });

  it('a mutation that writes answers from graphql-jit with the written row', async () => {
    decisions.length = 0;
    const res = await jit.gql(`mutation { createUser(input: { name: "Jit", email: "jit@jit.test" }) { name email orderCount totalSpent } }`);
    expect(decisions).toEqual([true]);
    expect(res.body).toEqual({ data: { createUser: { name: 'Jit', email: 'jit@jit.test', orderCount: 0, totalSpent: '0.00' } } });
    expect(await rows(conn, 'SELECT name FROM users WHERE email = ?', ['jit@jit.test'])).toEqual([{ name: 'Jit' }]);
  });
});

const redisUp = await redisReachable();

describe.skipIf(!redisUp)('subscription events', () => {
  it('an orderPlaced event heard by both gateways (through Redis) is written the same, graphql-jit running it', async () => {
    const shared = configWith(configOfFile, { redisUrl: TEST_REDIS_URL });
    const events: boolean[] = [];
    const a = await startTestServer(configWith(shared, { graphqlJit: true }), { onJitDecision: (used) => events.push(used) });
    const b = await startTestServer(configWith(shared, { graphqlJit: false }));
    const query = `subscription { orderPlaced(userId: "${id.u2}") { id status total user { name } items { quantity unitPrice subtotal product { sku } } } }`;
    const onA = await subscribe(a.url, query);
    const onB = await subscribe(b.url, query);
    expect(events).toEqual([true]); // the subscription itself
    try {
      await new Promise((r) => setTimeout(r, 200)); // both Redis subscriptions are live
      const placed = await a.gql(`mutation { placeOrder(input: { userId: "${id.u2}", items: [{ productId: "${id.p1}", quantity: 2 }] }) { id } }`);
      const orderId = placed.body.data.placeOrder.id;
      const [fromA, fromB] = await Promise.all([onA.next(5000), onB.next(5000)]);
      expect(JSON.stringify(fromA)).toBe(JSON.stringify(fromB));
      expect(fromA.data.orderPlaced).toMatchObject({ id: orderId, status: 'PENDING', total: '0.20', user: { name: 'Line\nBreak' } });
    } finally {
      onA.close();
      onB.close();
      await a.close();
      await b.close();
    }
  });
});
