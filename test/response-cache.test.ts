// The opt-in response cache: repeated reads cost no SQL, out-of-band writes
// show up within the TTL, mutations through the gateway invalidate at once,
// and errors are never cached.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertProduct, insertUser } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { redisReachable, TEST_REDIS_URL } from './support/redis.ts';

let server: TestServer;
let conn: mysql.Connection;
const TTL = 300;

beforeAll(async () => {
  const config = await createTestDatabase('response_cache', { responseCache: true, responseCacheTtlMs: TTL, responseCacheCountTtlMs: TTL });
  conn = await sqlConnection(config);
  await insertProduct(conn, 'P1', 'Pen', '1.00', 5);
  await insertUser(conn, 'Ann', 'ann@cache.test');
  server = await startTestServer(config);
});

afterAll(async () => {
  await server?.close();
  await conn?.end();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('response cache', () => {
  it('a repeated query is answered from the cache without SQL', async () => {
    const q = '{ products { nodes { id name price } } productCount }';
    const first = await server.countStatements(() => server.gql(q));
    const second = await server.countStatements(() => server.gql(q));
    // The page and the count, side by side (src/compiled/forms.ts).
    expect(first.statements).toBe(2);
    expect(second.statements).toBe(0);
    expect(second.result.body).toEqual(first.result.body);
  });

  it('different variables are different entries', async () => {
    const q = 'query($n: Int) { users(first: $n) { nodes { id } } }';
    const a = await server.countStatements(() => server.gql(q, { n: 0 }));
    const b = await server.countStatements(() => server.gql(q, { n: 1 }));
    expect(a.statements).toBe(1);
    expect(b.statements).toBe(1);
    expect(a.result.body.data.users.nodes).toEqual([]);
    expect(b.result.body.data.users.nodes).toHaveLength(1);
  });

  it('a row written around the gateway shows up once the TTL has passed', async () => {
    const q = '{ productCount }';
    const before = (await server.gql(q)).body.data.productCount;
    await insertProduct(conn, `P${Date.now()}`, 'Out of band', '2.00', 1);
    await sleep(TTL + 100);
    expect((await server.gql(q)).body.data.productCount).toBe(before + 1);
  });

  it('errors are never cached', async () => {
    const q = '{ user(id: "424242") { id } }';
    const a = await server.countStatements(() => server.gql(q));
    const b = await server.countStatements(() => server.gql(q));
    expect(a.result.body.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    expect(b.statements).toBeGreaterThan(0);
  });
});

describe('invalidation by mutations', () => {
  const LONG = 60_000;
  const createProduct = (sku: string) =>
    `mutation { createProduct(input: { sku: "${sku}", name: "New", price: "3.00", stock: 2 }) { id } }`;

  it('a mutation through the gateway drops the cached responses it changes at once', async () => {
    const config = await createTestDatabase('response_cache_mutations', { responseCache: true, responseCacheTtlMs: LONG, responseCacheCountTtlMs: LONG });
    const s = await startTestServer(config);
    try {
      expect((await s.gql('{ productCount }')).body.data.productCount).toBe(0);
      const cachedUsers = await s.countStatements(() => s.gql('{ users { totalCount } }'));
      expect((await s.gql(createProduct('NEW-1'))).body.errors).toBeUndefined();
      expect((await s.gql('{ productCount }')).body.data.productCount).toBe(1);
      // Users were not touched by createProduct: still served from the cache.
      const again = await s.countStatements(() => s.gql('{ users { totalCount } }'));
      expect(cachedUsers.statements).toBe(1);
      expect(again.statements).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('with REDIS_URL, a mutation on one gateway invalidates the cache of another', async (ctx) => {
    const redisUrl = TEST_REDIS_URL;
    if (!(await redisReachable(redisUrl))) return ctx.skip();
    const config = await createTestDatabase('response_cache_redis', { responseCache: true, responseCacheTtlMs: LONG, responseCacheCountTtlMs: LONG, redisUrl });
    const a = await startTestServer(config);
    const b = await startTestServer(config);
    try {
      expect((await b.gql('{ productCount }')).body.data.productCount).toBe(0);
      await new Promise((r) => setTimeout(r, 200)); // both subscriptions are live
      expect((await a.gql(createProduct('NEW-2'))).body.errors).toBeUndefined();
      let seen = 0;
      for (let i = 0; i < 50 && seen !== 1; i++) {
        seen = (await b.gql('{ productCount }')).body.data.productCount;
        if (seen !== 1) await new Promise((r) => setTimeout(r, 50));
      }
      expect(seen).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
