// The opt-in response cache: repeated reads cost no SQL, out-of-band writes
// show up within the TTL, mutations through the gateway invalidate at once,
// and errors are never cached.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertProduct, insertUser } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';

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
    expect(first.statements).toBe(1);
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
