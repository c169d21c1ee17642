// The node:http fast path bypasses Yoga's plugins for speed and mirrors what
// they do (the table at the top of src/http/fast-path.ts). Each mirrored
// behaviour is held here to the same answer on both paths: the same request
// to a gateway whose fast path answers it and to one where Yoga does.
import type mysql from 'mysql2/promise';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertShopRows } from './support/rows.ts';
import { errorsByPath, startTestServer, type TestServer } from './support/server.ts';

type LogLine = Record<string, any>;
let base: Config;
let conn: mysql.Connection;
const servers: TestServer[] = [];
const logs: LogLine[] = [];
const logger = pino({ level: 'info', base: undefined }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });

/** A gateway whose fast path answers what it can, and one where every request goes through Yoga. */
async function pair(overrides: Parameters<typeof configWith>[1] = {}) {
  const fast = await startTestServer(configWith(base, overrides), { logger });
  const yoga = await startTestServer(configWith(base, { ...overrides, compiledQueries: false, compiledMutations: false }), { logger });
  servers.push(fast, yoga);
  return { fast, yoga };
}

beforeAll(async () => {
  base = await createTestDatabase('fast_path_mirrors');
  conn = await sqlConnection(base);
});
beforeEach(async () => {
  await insertShopRows(base);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await conn?.end();
});

async function waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine> {
  for (let i = 0; i < 100; i++) {
    const found = logs.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('log line not found');
}

const sameAnswer = (a: { status: number; body: unknown }, b: { status: number; body: unknown }) => {
  expect(a.status).toBe(b.status);
  expect(JSON.stringify(errorsByPath(a.body as never))).toBe(JSON.stringify(errorsByPath(b.body as never)));
};

describe('what the fast path mirrors is the same on both paths', () => {
  it('limits: depth and cost refusals, before any SQL', async () => {
    const { fast, yoga } = await pair();
    const deep = `{ users { nodes { orders { nodes { user { orders { nodes { user { orders { nodes { user { orders { nodes { id } } } } } } } } } } } } } }`;
    const costly = 'query($f: Int) { users(first: $f) { nodes { orders(first: $f) { nodes { items { product { id } } } } } } }';
    for (const [query, variables] of [[deep, undefined], [costly, { f: 100 }]] as const) {
      const a = await fast.countStatements(() => fast.gql(query, variables));
      const b = await yoga.countStatements(() => yoga.gql(query, variables));
      sameAnswer(a.result, b.result);
      expect(a.result.body.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
      expect([a.statements, b.statements]).toEqual([0, 0]);
    }
  });

  it('the request time limit: the same TIMEOUT answer', async () => {
    const { fast, yoga } = await pair({ limits: { requestTimeoutMs: 400, statementTimeoutMs: 3000 } });
    const locker = await sqlConnection(base);
    try {
      await locker.query('LOCK TABLES products WRITE');
      const query = '{ products(first: 2) { nodes { id name } } }';
      const [a, b] = await Promise.all([fast.gql(query), yoga.gql(query)]);
      sameAnswer(a, b);
      expect(a.body).toEqual({ errors: [{ message: 'The request took longer than its time limit of 400 ms.', extensions: { code: 'TIMEOUT' } }], data: null });
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
  });

  it('masking: "Unexpected error." with the request id, the full error logged under it', async () => {
    const { fast, yoga } = await pair();
    const mutation = 'mutation { placeOrder(input: { userId: "1", items: [{ productId: "1", quantity: 1 }] }) { id total } }';
    await conn.query('RENAME TABLE products TO products_away');
    try {
      const a = await fast.gql(mutation, undefined, { headers: { 'x-request-id': 'mirror-mask-fast' } });
      const b = await yoga.gql(mutation, undefined, { headers: { 'x-request-id': 'mirror-mask-yoga' } });
      expect(a.body).toEqual({
        errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 12 }], path: ['placeOrder'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'mirror-mask-fast' } }],
        data: null,
      });
      expect(JSON.stringify(b.body)).toBe(JSON.stringify(a.body).replace('mirror-mask-fast', 'mirror-mask-yoga'));
      for (const id of ['mirror-mask-fast', 'mirror-mask-yoga']) {
        const logged = await waitForLog((line) => line.msg === 'unexpected error' && line.requestId === id);
        expect(logged.err.code).toBe('ER_NO_SUCH_TABLE');
      }
    } finally {
      await conn.query('RENAME TABLE products_away TO products');
    }
  });

  it('cache invalidation: a mutation through either path makes what it changed stale at once', async () => {
    const fast = await startTestServer(configWith(base, { responseCache: true, responseCacheTtlMs: 60_000, responseCacheCountTtlMs: 60_000 }));
    const viaYoga = await startTestServer(configWith(base, { responseCache: true, responseCacheTtlMs: 60_000, responseCacheCountTtlMs: 60_000, compiledMutations: false }));
    servers.push(fast, viaYoga);
    const read = '{ product(id: "1") { stock } }';
    const order = 'mutation { placeOrder(input: { userId: "1", items: [{ productId: "1", quantity: 2 }] }) { id } }';
    for (const server of [fast, viaYoga]) {
      const before = (await server.gql(read)).body.data.product.stock;
      expect((await server.countStatements(() => server.gql(read))).statements).toBe(0);
      await server.gql(order);
      const after = await server.countStatements(() => server.gql(read));
      expect(after.result.body.data.product.stock).toBe(before - 2);
      expect(after.statements).toBe(1);
    }
  });

  it('the request log line and the metrics: the same operation, status and error codes', async () => {
    const { fast, yoga } = await pair();
    const query = 'query Pair { a: user(id: "1") { id } b: user(id: "404") { id } }';
    await fast.gql(query, undefined, { headers: { 'x-request-id': 'mirror-log-fast' } });
    await yoga.gql(query, undefined, { headers: { 'x-request-id': 'mirror-log-yoga' } });
    const pick = ({ method, path, status, operation, errorCodes, aborted }: LogLine) => ({ method, path, status, operation, errorCodes, aborted });
    const a = await waitForLog((line) => line.msg === 'request' && line.requestId === 'mirror-log-fast');
    const b = await waitForLog((line) => line.msg === 'request' && line.requestId === 'mirror-log-yoga');
    expect(pick(a)).toEqual(pick(b));
    expect(pick(a)).toEqual({ method: 'POST', path: '/graphql', status: 200, operation: 'Pair', errorCodes: ['NOT_FOUND'], aborted: false });
    const series = async (server: TestServer) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return text.split('\n').filter((line) => line.startsWith('gateway_requests_total{') || line.startsWith('gateway_errors_total{'));
    };
    expect(await series(fast)).toEqual(await series(yoga));
    expect(await series(fast)).toEqual(['gateway_requests_total{operation="Pair",status="200"} 1', 'gateway_errors_total{code="NOT_FOUND"} 1']);
  });
});
