// Time limits: a statement held up by a table lock ends in TIMEOUT through the
// server's own max_statement_time, a request past its limit answers TIMEOUT,
// waiting for a pool connection is bounded (SERVICE_UNAVAILABLE), and the pool
// is fully usable afterwards. Statements are made slow honestly: a second
// connection holds LOCK TABLES ... WRITE, so the gateway's read waits.
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { configWith } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertShopRows } from './support/rows.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const POOL_SIZE = 3;
let base: Config;
let locker: mysql.Connection;
let server: TestServer | undefined;

beforeAll(async () => {
  base = await createTestDatabase('harden_timeouts', { dbPoolSize: POOL_SIZE });
  await insertShopRows(base);
  locker = await sqlConnection(base);
});

afterEach(async () => {
  await locker.query('UNLOCK TABLES');
  await server?.close();
  server = undefined;
});

afterAll(async () => {
  await locker?.end();
});

const PRODUCTS = '{ products(first: 5) { nodes { id name } } }';

/** pool-size x 2 requests at once, each needing a connection: all must succeed. */
async function expectPoolFullyUsable(s: TestServer) {
  const results = await Promise.all(Array.from({ length: POOL_SIZE * 2 }, () => s.gql(PRODUCTS)));
  for (const res of results) {
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.products.nodes).toHaveLength(3);
  }
  expect(s.app.db.poolUsage()).toMatchObject({ inUse: 0, waiting: 0 });
  expect(s.app.db.poolUsage().total).toBeLessThanOrEqual(POOL_SIZE);
}

describe('time limits', () => {
  it('ends a statement held up past STATEMENT_TIMEOUT_MS in TIMEOUT, and the pool is fully usable afterwards', async () => {
    server = await startTestServer(configWith(base, { limits: { statementTimeoutMs: 300 } }));
    const s = server;
    await s.gql(PRODUCTS); // warm the pool: the sessions already exist when the lock is taken
    await locker.query('LOCK TABLES products WRITE');
    const started = performance.now();
    const held = await Promise.all(Array.from({ length: POOL_SIZE }, () => s.gql(PRODUCTS)));
    expect(performance.now() - started).toBeLessThan(5000);
    for (const res of held) {
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0]!.extensions?.code).toBe('TIMEOUT');
      expect(res.body.errors![0]!.path).toEqual(['products']);
    }
    await locker.query('UNLOCK TABLES');
    await expectPoolFullyUsable(s);
  });

  it('answers TIMEOUT once a request runs past REQUEST_TIMEOUT_MS, and the pool recovers when the statement ends', async () => {
    server = await startTestServer(configWith(base, { limits: { requestTimeoutMs: 400, statementTimeoutMs: 1500 } }));
    const s = server;
    await locker.query('LOCK TABLES products WRITE');
    const started = performance.now();
    const res = await s.gql(PRODUCTS);
    const elapsed = performance.now() - started;
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]!.extensions?.code).toBe('TIMEOUT');
    expect(res.body.errors![0]!.message).toMatch(/time limit of 400 ms/);
    // Answered by the request limit, not by the statement's (which is 1.5 s).
    expect(elapsed).toBeLessThan(1400);
    await locker.query('UNLOCK TABLES');
    await expectPoolFullyUsable(s);
  });

  it("gives a timed-out request's remaining work no new connection: its next level of statements never runs", async () => {
    // Levels of statements exist on the resolver (DataLoader) path only; a compiled query is one statement.
    server = await startTestServer(configWith(base, { compiledQueries: false, limits: { requestTimeoutMs: 400, statementTimeoutMs: 3000 } }));
    const s = server;
    const ran: string[] = [];
    const off = s.app.db.stats.onStatement((event) => ran.push(event.sql));
    try {
      await locker.query('LOCK TABLES orders WRITE');
      // users (runs), then the orders of those users (held by the lock), then their items (must never run).
      const res = await s.gql('{ users(first: 2) { nodes { orders(first: 2) { nodes { items { quantity } } } } } }');
      expect(res.body.errors![0]!.extensions?.code).toBe('TIMEOUT');
      await locker.query('UNLOCK TABLES');
      // The held orders statement now finishes; give its continuation (the items batch) time to try.
      for (let i = 0; i < 100 && !ran.some((sql) => /from `orders`/.test(sql)); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      expect(ran.some((sql) => /from `users`/.test(sql))).toBe(true);
      expect(ran.some((sql) => /from `orders`/.test(sql))).toBe(true);
      expect(ran.some((sql) => /order_items/.test(sql))).toBe(false);
    } finally {
      off();
    }
    await expectPoolFullyUsable(s);
  });

  it('bounds the wait for a pool connection: with every connection held, a request answers SERVICE_UNAVAILABLE after POOL_WAIT_MS', async () => {
    server = await startTestServer(configWith(base, { limits: { poolWaitMs: 300, statementTimeoutMs: 5000 } }));
    const s = server;
    await locker.query('LOCK TABLES products WRITE');
    const holders = Array.from({ length: POOL_SIZE }, () => s.gql(PRODUCTS));
    // Wait until every connection is taken by a held statement (bounded).
    for (let i = 0; i < 100 && s.app.db.stats.inFlight < POOL_SIZE; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.app.db.stats.inFlight).toBe(POOL_SIZE);
    const started = performance.now();
    const starved = await s.gql('{ user(id: "1") { id } }');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(starved.body.data).toEqual({ user: null });
    expect(starved.body.errors![0]!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    await locker.query('UNLOCK TABLES');
    for (const res of await Promise.all(holders)) expect(res.body.errors).toBeUndefined();
    await expectPoolFullyUsable(s);
  });

  it('sets max_statement_time on every pooled session', async () => {
    server = await startTestServer(configWith(base, { limits: { statementTimeoutMs: 2500 } }));
    const { CompiledQuery } = await import('kysely');
    const rows = await Promise.all(
      Array.from({ length: POOL_SIZE }, () =>
        server!.app.db.executeQuery<{ t: string }>(CompiledQuery.raw('SELECT @@SESSION.max_statement_time AS t, SLEEP(0.05)')),
      ),
    );
    for (const result of rows) expect(Number(result.rows[0]!.t)).toBe(2.5);
  });
});
