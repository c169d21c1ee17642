// Who may see and change what, with authentication on (AUTH_JWT_SECRET), from
// the attacker's side: the whole table of issue 11 (src/access.ts) on every
// execution path a request can take (the compiled path, the resolvers) and
// with the response cache off, in memory and in Redis. A customer never sees
// another customer's order, through any field, list, count, cursor, error
// message or subscription; refused requests change nothing.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { sign } from './support/jwks-server.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { insertOrder, insertProduct, insertUser, rows } from './support/fixtures.ts';
import { redisReachable, TEST_REDIS_URL } from './support/redis.ts';
import { startTestServer, type GraphQLResponse, type TestServer } from './support/server.ts';
import { subscribe } from './support/sse.ts';

const SECRET = 'auth-rules-secret-long-enough-for-hs256-0123456789';
const KEY = new TextEncoder().encode(SECRET);

let base: Config;
let conn: mysql.Connection;
const id = {} as Record<'ann' | 'bob' | 'ada' | 'pen' | 'mug' | 'ann1' | 'ann2' | 'bob1' | 'bob2', string>;
const token: Record<'ann' | 'bob' | 'admin' | 'service', string> = {} as never;
const redisUp = await redisReachable();

beforeAll(async () => {
  base = await createTestDatabase('auth_rules');
  conn = await sqlConnection(base);
  token.ann = await sign({ role: 'customer', sub: '1' }, KEY);
  token.bob = await sign({ role: 'customer', sub: '2' }, KEY);
  token.admin = await sign({ role: 'admin', sub: '3' }, KEY);
  token.service = await sign({ role: 'admin', sub: 'billing-service' }, KEY);
});

/** The same rows (and ids) before each path's tests: Ann and Bob with two orders each, Ada the admin's user. */
async function arrange(): Promise<void> {
  await truncateAll(conn);
  id.ann = await insertUser(conn, 'Ann', 'ann@rules.test');
  id.bob = await insertUser(conn, 'Bob', 'bob@rules.test');
  id.ada = await insertUser(conn, 'Ada Admin', 'ada@rules.test');
  expect([id.ann, id.bob, id.ada]).toEqual(['1', '2', '3']);
  id.pen = await insertProduct(conn, 'PEN', 'Pen', '1.50', 1000);
  id.mug = await insertProduct(conn, 'MUG', 'Mug', '12.00', 1000);
  id.ann1 = await insertOrder(conn, id.ann, [{ productId: id.pen, quantity: 2, unitPrice: '1.50' }], 'PAID');
  id.ann2 = await insertOrder(conn, id.ann, [{ productId: id.mug, quantity: 1, unitPrice: '12.00' }], 'PENDING');
  id.bob1 = await insertOrder(conn, id.bob, [{ productId: id.pen, quantity: 5, unitPrice: '1.50' }], 'PAID');
  id.bob2 = await insertOrder(conn, id.bob, [{ productId: id.mug, quantity: 3, unitPrice: '12.00' }], 'SHIPPED');
}

afterAll(async () => {
  await conn?.end();
});

const auth = { auth: { jwtSecret: SECRET, jwksUrl: null, issuer: null, audience: null } };
const LONG = 60_000;
const paths: (readonly [string, Parameters<typeof configWith>[1]])[] = [
  ['compiled path, no cache', { ...auth }],
  // Both forms of the compiled path on their own (COMPILED_FORM; auto mixes them by shape).
  ['compiled path as database-built JSON, no cache', { ...auth, compiledForm: 'json' }],
  ['compiled path as database-built JSON, cache in memory', { ...auth, compiledForm: 'json', responseCache: true, responseCacheStore: 'memory', responseCacheTtlMs: LONG, responseCacheCountTtlMs: LONG }],
  ['compiled path as plain rows, no cache', { ...auth, compiledForm: 'rows' }],
  ['resolvers, no cache', { ...auth, compiledQueries: false, compiledMutations: false }],
  ['compiled path, cache in memory', { ...auth, responseCache: true, responseCacheStore: 'memory', responseCacheTtlMs: LONG, responseCacheCountTtlMs: LONG }],
  ...(redisUp
    ? ([['compiled path, cache in Redis', { ...auth, redisUrl: TEST_REDIS_URL, responseCache: true, responseCacheStore: 'redis', responseCacheTtlMs: LONG, responseCacheCountTtlMs: LONG }]] as const)
    : []),
];

type Who = 'anonymous' | 'ann' | 'bob' | 'admin' | 'service';
const as = (who: Who) => (who === 'anonymous' ? {} : { headers: { authorization: `Bearer ${token[who]}` } });
const codes = (res: GraphQLResponse) => (res.body.errors ?? []).map((e) => e.extensions?.code);

describe.each(paths)('with authentication on, %s', (_label, overrides) => {
  let server: TestServer;
  const gql = (who: Who, query: string, variables?: Record<string, unknown>) => server.gql(query, variables, as(who));
  /** Twice: a second answer may come from the response cache, and must be the same. */
  const twice = async (who: Who, query: string, variables?: Record<string, unknown>) => {
    const first = await gql(who, query, variables);
    const second = await gql(who, query, variables);
    expect(second.body).toEqual(first.body);
    return first;
  };

  beforeAll(async () => {
    await arrange();
    server = await startTestServer(configWith(base, overrides));
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('reads', () => {
    it('products and productCount are public: everyone gets the same answer', async () => {
      const query = `{ products { totalCount nodes { sku inStock } } productCount(filter: { inStock: true }) product(id: "${id.pen}") { name } }`;
      const answers = await Promise.all((['anonymous', 'ann', 'admin'] as const).map((who) => twice(who, query)));
      for (const answer of answers) {
        expect(answer.body).toEqual({ data: { products: { totalCount: 2, nodes: [{ sku: 'PEN', inStock: true }, { sku: 'MUG', inStock: true }] }, productCount: 2, product: { name: 'Pen' } } });
      }
    });

    it("viewer is the token's user: null without a token and for an admin whose sub is no user", async () => {
      const query = '{ viewer { id name orderCount orders { totalCount } } }';
      expect((await twice('anonymous', query)).body).toEqual({ data: { viewer: null } });
      expect((await twice('ann', query)).body).toEqual({ data: { viewer: { id: id.ann, name: 'Ann', orderCount: 2, orders: { totalCount: 2 } } } });
      expect((await twice('admin', query)).body.data.viewer).toMatchObject({ id: id.ada, name: 'Ada Admin' });
      expect((await twice('service', query)).body).toEqual({ data: { viewer: null } });
    });

    it('user(id): UNAUTHENTICATED without a token; a customer sees only their own user, any other is NOT_FOUND', async () => {
      const query = 'query($id: ID!) { user(id: $id) { id email } }';
      const anonymous = await twice('anonymous', query, { id: id.ann });
      expect(anonymous.body.data).toEqual({ user: null });
      expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
      expect((await twice('ann', query, { id: id.ann })).body).toEqual({ data: { user: { id: id.ann, email: 'ann@rules.test' } } });
      const other = await twice('ann', query, { id: id.bob });
      const missing = await twice('ann', query, { id: '999999' });
      expect(other.body.data).toEqual({ user: null });
      expect(codes(other)).toEqual(['NOT_FOUND']);
      // Someone else's user answers exactly as one that does not exist.
      expect(JSON.stringify(other.body).replaceAll(id.bob, 'X')).toBe(JSON.stringify(missing.body).replaceAll('999999', 'X'));
      expect((await twice('admin', query, { id: id.bob })).body).toEqual({ data: { user: { id: id.bob, email: 'bob@rules.test' } } });
    });

    it('users: UNAUTHENTICATED without a token, FORBIDDEN for a customer, every user for an admin', async () => {
      const query = '{ users { totalCount nodes { id } } }';
      expect(codes(await twice('anonymous', query))).toEqual(['UNAUTHENTICATED']);
      const customer = await twice('ann', query);
      expect(codes(customer)).toEqual(['FORBIDDEN']);
      expect(customer.body.data).toBeNull();
      expect((await twice('admin', query)).body.data.users).toEqual({ totalCount: 3, nodes: [{ id: id.ann }, { id: id.bob }, { id: id.ada }] });
    });

    it('order(id): a customer sees their own orders; another customer\'s is NOT_FOUND, worded as a missing one', async () => {
      const query = 'query($id: ID!) { order(id: $id) { id total user { id name } items { quantity } } }';
      expect(codes(await twice('anonymous', query, { id: id.ann1 }))).toEqual(['UNAUTHENTICATED']);
      expect((await twice('ann', query, { id: id.ann1 })).body).toEqual({
        data: { order: { id: id.ann1, total: '3.00', user: { id: id.ann, name: 'Ann' }, items: [{ quantity: 2 }] } },
      });
      const other = await twice('ann', query, { id: id.bob1 });
      const missing = await twice('ann', query, { id: '999999' });
      expect(other.body.data).toEqual({ order: null });
      expect(codes(other)).toEqual(['NOT_FOUND']);
      expect(JSON.stringify(other.body).replaceAll(id.bob1, 'X')).toBe(JSON.stringify(missing.body).replaceAll('999999', 'X'));
      expect((await twice('admin', query, { id: id.bob1 })).body.data.order.user.name).toBe('Bob');
    });

    it("orders: a customer's list, counts, cursors and every filter hold only their own orders", async () => {
      const list = 'query($f: OrderFilter, $after: String) { orders(first: 1, after: $after, filter: $f) { totalCount nodes { id user { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }';
      expect(codes(await twice('anonymous', list))).toEqual(['UNAUTHENTICATED']);
      const page1 = (await twice('ann', list)).body.data.orders;
      expect(page1).toMatchObject({ totalCount: 2, nodes: [{ id: id.ann1, user: { id: id.ann } }], pageInfo: { hasNextPage: true, hasPreviousPage: false } });
      const page2 = (await twice('ann', list, { after: page1.pageInfo.endCursor })).body.data.orders;
      expect(page2).toMatchObject({ totalCount: 2, nodes: [{ id: id.ann2 }], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
      // A cursor of Bob's order lets nothing of his through: the page after it is Ann's last one or nothing.
      const bobCursor = (await twice('admin', list, { f: { userId: id.bob } })).body.data.orders.pageInfo.endCursor;
      expect((await twice('ann', list, { after: bobCursor })).body.data.orders.nodes).toEqual([]);
      for (const f of [{ userId: id.bob }, { status: 'SHIPPED' }, { userId: id.bob, status: 'PAID' }, { createdAfter: '2000-01-01T00:00:00Z' }]) {
        const answer = (await twice('ann', 'query($f: OrderFilter) { orders(first: 100, filter: $f) { totalCount nodes { id user { id } } } }', { f })).body.data.orders;
        expect(answer.nodes.every((o: any) => o.user.id === id.ann)).toBe(true);
        expect(answer.totalCount).toBe(answer.nodes.length);
      }
      expect((await twice('admin', '{ orders(first: 100) { totalCount } }')).body.data.orders.totalCount).toBeGreaterThanOrEqual(4);
    });

    it("User.orders, orderCount and totalSpent of one's own user; nothing of another's", async () => {
      const query = 'query($id: ID!) { user(id: $id) { orderCount totalSpent orders(status: PAID) { totalCount nodes { id } } } }';
      const own = (await twice('ann', query, { id: id.ann })).body.data.user;
      expect(own).toMatchObject({ orders: { totalCount: 1, nodes: [{ id: id.ann1 }] } });
      expect(own.orderCount).toBeGreaterThanOrEqual(2);
      expect((await twice('bob', query, { id: id.ann })).body.data).toEqual({ user: null });
    });

    it('on the compiled path the row rule is in the statement: a customer\'s order list is one statement', async () => {
      if (!overrides.compiledQueries && overrides.compiledQueries !== undefined) return;
      const query = '{ orders(first: 100) { totalCount nodes { id total } } }';
      const { result, statements } = await server.countStatements(() => gql('bob', query));
      expect(result.body.data.orders.nodes.map((o: any) => o.id)).toEqual([id.bob1, id.bob2]);
      expect(statements).toBeLessThanOrEqual(1);
    });
  });

  describe('the response cache never hands one viewer what another read', () => {
    it("the same document answers each viewer's own rows; public ones are shared", async () => {
      const query = '{ orders(first: 100) { nodes { id } } viewer { name } }';
      const ann = await twice('ann', query);
      const bob = await twice('bob', query);
      expect(ann.body.data.viewer.name).toBe('Ann');
      expect(bob.body.data.viewer.name).toBe('Bob');
      expect(ann.body.data.orders.nodes.map((o: any) => o.id)).not.toEqual(bob.body.data.orders.nodes.map((o: any) => o.id));
      expect(codes(await gql('anonymous', query))).toContain('UNAUTHENTICATED');
    });
  });

  describe('writes', () => {
    const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id total user { id } } }';
    const orderCount = async () => Number((await rows(conn, 'SELECT COUNT(*) AS n FROM orders'))[0].n);

    it('createUser, createProduct, restockProducts: UNAUTHENTICATED without a token, FORBIDDEN for a customer, nothing written', async () => {
      const before = await rows(conn, 'SELECT (SELECT COUNT(*) FROM users) u, (SELECT COUNT(*) FROM products) p, (SELECT SUM(stock) FROM products) s');
      const tag = Math.random().toString(36).slice(2, 8);
      const mutations = [
        [`mutation { createUser(input: { name: "X", email: "x-${tag}@rules.test" }) { id } }`, 'createUser'],
        [`mutation { createProduct(input: { sku: "X-${tag}", name: "X", price: "1.00", stock: 1 }) { id } }`, 'createProduct'],
        [`mutation { restockProducts(items: [{ productId: "${id.pen}", quantity: 5 }]) { productId error { code } } }`, 'restockProducts'],
      ] as const;
      for (const [mutation] of mutations) {
        expect(codes(await gql('anonymous', mutation))).toEqual(['UNAUTHENTICATED']);
        expect(codes(await gql('ann', mutation))).toEqual(['FORBIDDEN']);
      }
      expect(await rows(conn, 'SELECT (SELECT COUNT(*) FROM users) u, (SELECT COUNT(*) FROM products) p, (SELECT SUM(stock) FROM products) s')).toEqual(before);
      for (const [mutation, field] of mutations) expect((await gql('admin', mutation)).body.data?.[field]).toBeTruthy();
    });

    it('placeOrder: a customer only for their own user (FORBIDDEN otherwise, nothing written); an admin for anyone', async () => {
      const input = (userId: string) => ({ input: { userId, items: [{ productId: id.pen, quantity: 1 }] } });
      const before = await orderCount();
      expect(codes(await gql('anonymous', PLACE, input(id.ann)))).toEqual(['UNAUTHENTICATED']);
      const forbidden = await gql('ann', PLACE, input(id.bob));
      expect(codes(forbidden)).toEqual(['FORBIDDEN']);
      expect(forbidden.body.data).toBeNull();
      expect(await orderCount()).toBe(before);
      expect((await gql('ann', PLACE, input(id.ann))).body.data.placeOrder.user.id).toBe(id.ann);
      expect((await gql('admin', PLACE, input(id.bob))).body.data.placeOrder.user.id).toBe(id.bob);
      expect(await orderCount()).toBe(before + 2);
    });

    it("cancelOrder: a customer cancels their own orders; another's is NOT_FOUND and stays as it was", async () => {
      const CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id) { id status } }';
      const bobs = (await gql('admin', PLACE, { input: { userId: id.bob, items: [{ productId: id.mug, quantity: 1 }] } })).body.data.placeOrder.id;
      const anns = (await gql('ann', PLACE, { input: { userId: id.ann, items: [{ productId: id.mug, quantity: 1 }] } })).body.data.placeOrder.id;
      expect(codes(await gql('anonymous', CANCEL, { id: anns }))).toEqual(['UNAUTHENTICATED']);
      const other = await gql('ann', CANCEL, { id: bobs });
      expect(codes(other)).toEqual(['NOT_FOUND']);
      expect(other.body.errors![0]!.message).toBe(`No order with id "${bobs}"`);
      expect((await rows(conn, 'SELECT status FROM orders WHERE id = ?', [bobs]))[0].status).toBe('PENDING');
      expect((await gql('ann', CANCEL, { id: anns })).body.data.cancelOrder).toEqual({ id: anns, status: 'CANCELLED' });
      expect((await gql('admin', CANCEL, { id: bobs })).body.data.cancelOrder.status).toBe('CANCELLED');
    });
  });

  describe('orderPlaced', () => {
    const FEED = 'subscription($userId: ID) { orderPlaced(userId: $userId) { id user { id } } }';

    it("UNAUTHENTICATED without a token; FORBIDDEN for another customer's userId", async () => {
      const anonymous = await subscribe(server.url, FEED, {});
      const other = await subscribe(server.url, FEED, { userId: id.bob }, 'POST', as('ann').headers);
      try {
        expect(codes({ status: 200, headers: new Headers(), body: await anonymous.next(5000) })).toEqual(['UNAUTHENTICATED']);
        expect(codes({ status: 200, headers: new Headers(), body: await other.next(5000) })).toEqual(['FORBIDDEN']);
      } finally {
        anonymous.close();
        other.close();
      }
    });

    it('a customer hears of their own orders only, asked for or not; an admin of all', async () => {
      const ann = await subscribe(server.url, FEED, {}, 'POST', as('ann').headers);
      const admin = await subscribe(server.url, FEED, {}, 'POST', as('admin').headers);
      try {
        const bobs = (await gql('admin', 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }', { i: { userId: id.bob, items: [{ productId: id.pen, quantity: 1 }] } })).body.data.placeOrder.id;
        const anns = (await gql('ann', 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }', { i: { userId: id.ann, items: [{ productId: id.pen, quantity: 1 }] } })).body.data.placeOrder.id;
        expect((await ann.next()).data.orderPlaced).toEqual({ id: anns, user: { id: id.ann } });
        expect([(await admin.next()).data.orderPlaced.id, (await admin.next()).data.orderPlaced.id]).toEqual([bobs, anns]);
        expect(ann.pending()).toEqual([]);
      } finally {
        ann.close();
        admin.close();
      }
    });
  });
});
