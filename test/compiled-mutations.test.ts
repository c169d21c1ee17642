// placeOrder and cancelOrder run from the node:http front answer exactly what
// the resolvers answer, success and every error alike: two gateways, compiled
// mutations on and off, each over its own identical database, get the same
// requests in the same order and must give the same bodies.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertOrder, insertProduct, insertUser, rows } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';

interface Side {
  server: TestServer;
  conn: mysql.Connection;
}

let compiled: Side;
let resolvers: Side;

async function side(label: string, overrides: Partial<Config>): Promise<Side> {
  const config = await createTestDatabase(label);
  const conn = await sqlConnection(config);
  // The same rows, in the same order, so ids match on both sides.
  const ann = await insertUser(conn, 'Ann', 'ann@example.com');
  await insertUser(conn, 'Bob', 'bob@example.com');
  const pen = await insertProduct(conn, 'PEN', 'Pen "fine"', '0.10', 10);
  await insertProduct(conn, 'MUG', 'Mug', '12.50', 1);
  await insertProduct(conn, 'LAMP', 'Lamp', '1000.00', 0);
  await insertOrder(conn, ann, [{ productId: pen, quantity: 1, unitPrice: '0.10' }], 'SHIPPED');
  const server = await startTestServer(configWith(config, overrides));
  return { server, conn };
}

beforeAll(async () => {
  compiled = await side('compiled_mutations_on', { compiledMutations: true });
  resolvers = await side('compiled_mutations_off', { compiledMutations: false, compiledQueries: false });
});

afterAll(async () => {
  for (const s of [compiled, resolvers]) {
    await s?.server.close();
    await s?.conn.end();
  }
});

/** createdAt comes from each database's clock: check the order's against its row, then blank them all. */
async function normalised(s: Side, body: any): Promise<string> {
  const order = body.data?.[Object.keys(body.data ?? {})[0] ?? ''];
  if (order?.createdAt) {
    const [row] = await rows(s.conn, 'SELECT created_at FROM orders WHERE id = ?', [order.id]);
    expect(order.createdAt).toBe(`${row.created_at.replace(' ', 'T')}Z`);
  }
  return JSON.stringify(body).replace(/"createdAt":"[^"]+"/g, '"createdAt":"<t>"');
}

async function same(query: string, variables?: Record<string, unknown>): Promise<{ statements: number; body: any }> {
  const a = await compiled.server.countStatements(() => compiled.server.gql(query, variables));
  const b = await resolvers.server.gql(query, variables);
  expect(a.result.status).toBe(b.status);
  expect(await normalised(compiled, a.result.body)).toBe(await normalised(resolvers, b.body));
  return { statements: a.statements, body: a.result.body };
}

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placed: placeOrder(input: $input) {
    __typename id status total createdAt
    items { __typename quantity unitPrice subtotal product { ...P } }
  }
}
fragment P on Product { id sku name price stock createdAt }`;

describe('compiled mutations answer as the resolvers do', () => {
  it('placeOrder: the order, its items by product id, their products with the new stock, in 6 statements', async () => {
    const { statements, body } = await same(PLACE, { input: { userId: '2', items: [{ productId: '2', quantity: 1 }, { productId: '1', quantity: 3 }, { productId: '1', quantity: 1 }] } });
    expect(body.data.placed.total).toBe('12.90');
    expect(statements).toBe(6);
  });

  it.each([
    ['more than in stock', { userId: '1', items: [{ productId: '2', quantity: 5 }] }],
    ['an out-of-stock product', { userId: '1', items: [{ productId: '3', quantity: 1 }] }],
    ['an unknown product', { userId: '1', items: [{ productId: '999', quantity: 1 }] }],
    ['an unknown user', { userId: '999', items: [{ productId: '1', quantity: 1 }] }],
    ['no items', { userId: '1', items: [] }],
    ['a zero quantity', { userId: '1', items: [{ productId: '1', quantity: 0 }] }],
    ['a malformed product id', { userId: '1', items: [{ productId: 'x', quantity: 1 }] }],
    ['a malformed user id', { userId: '-1', items: [{ productId: '1', quantity: 1 }] }],
    ['more than 100 lines', { userId: '1', items: Array.from({ length: 101 }, () => ({ productId: '1', quantity: 1 })) }],
  ])('placeOrder refused for %s: same error, nothing written', async (_name, input) => {
    const before = await rows(compiled.conn, 'SELECT (SELECT COUNT(*) FROM orders) o, (SELECT SUM(stock) FROM products) s');
    const { body } = await same(PLACE, { input });
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(await rows(compiled.conn, 'SELECT (SELECT COUNT(*) FROM orders) o, (SELECT SUM(stock) FROM products) s')).toEqual(before);
  });

  it('Product.inStock comes from the stock the write left: taking the last unit makes it false on both paths', async () => {
    const ids = await Promise.all([compiled, resolvers].map((s) => insertProduct(s.conn, 'LAST-ONE', 'Last one', '2.00', 1)));
    expect(ids[0]).toBe(ids[1]);
    const query = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { items { product { id stock inStock } } } }';
    const { statements, body } = await same(query, { input: { userId: '1', items: [{ productId: ids[0], quantity: 1 }] } });
    expect(body.data.placeOrder.items).toEqual([{ product: { id: ids[0], stock: 0, inStock: false } }]);
    expect(statements).toBe(6);
  });

  it('a variable of the wrong type is refused before anything runs', async () => {
    await same(PLACE, { input: { userId: '1', items: [{ productId: '1', quantity: 'two' }] } });
  });

  it('placeOrder asking for the user (not in the written rows) takes the ordinary path and still matches', async () => {
    const { statements } = await same('mutation { placeOrder(input: { userId: "1", items: [{ productId: "1", quantity: 1 }] }) { id user { id name orderCount } } }');
    expect(statements).toBeGreaterThan(6);
  });

  it('cancelOrder gives the stock back; a second cancel is CONFLICT; SHIPPED is CONFLICT; unknown is NOT_FOUND', async () => {
    const placed = await same(PLACE, { input: { userId: '1', items: [{ productId: '1', quantity: 2 }] } });
    const id = placed.body.data.placed.id;
    const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { id status total items { quantity product { id stock } } } }`;
    const cancelled = await same(CANCEL, { id });
    expect(cancelled.body.data.cancelOrder.status).toBe('CANCELLED');
    for (const target of [id, '1', '999', 'abc']) {
      const { body } = await same(CANCEL, { id: target });
      expect(body.errors).toHaveLength(1);
    }
  });

  it('the response cache drops what a compiled write changed', async () => {
    const config = await createTestDatabase('compiled_mutations_cache', { responseCache: true, responseCacheTtlMs: 60_000 });
    const c = await sqlConnection(config);
    const s = await startTestServer(config);
    try {
      await insertUser(c, 'Cy', 'cy@example.com');
      await insertProduct(c, 'P', 'P', '1.00', 5);
      expect((await s.gql('{ product(id: "1") { stock } }')).body.data.product.stock).toBe(5);
      expect((await s.gql('mutation { placeOrder(input: { userId: "1", items: [{ productId: "1", quantity: 2 }] }) { id } }')).body.errors).toBeUndefined();
      expect((await s.gql('{ product(id: "1") { stock } }')).body.data.product.stock).toBe(3);
    } finally {
      await s.close();
      await c.end();
    }
  });
});

// Last: these take stock the tests above count on.
describe('compiled mutations planned once per document', () => {
  it('the same document with other variables each time answers each request by its own variables', async () => {
    for (const [user, product, quantity] of [['1', '1', 1], ['2', '2', 1], ['1', '1', 2]] as const) {
      const { body } = await same(PLACE, { input: { userId: user, items: [{ productId: product, quantity }] } });
      if (body.data) expect(body.data.placed.items).toEqual([expect.objectContaining({ quantity, product: expect.objectContaining({ id: product }) })]);
    }
  });

  it.each([
    ['a variable in the selection', 'mutation($input: PlaceOrderInput!, $withItems: Boolean!) { placeOrder(input: $input) { id items @include(if: $withItems) { quantity } } }'],
    ['a variable in a directive on the root field', 'mutation($input: PlaceOrderInput!, $withItems: Boolean!) { placeOrder(input: $input) @include(if: $withItems) { id total } }'],
  ])('%s: planned per request, and both values answer as the resolvers do', async (_name, query) => {
    for (const withItems of [true, false]) {
      await same(query, { input: { userId: '2', items: [{ productId: '1', quantity: 1 }] }, withItems });
    }
  });
});
