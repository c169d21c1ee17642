// Query limits and the body cap: refused before any SQL runs, with a clear
// QUERY_TOO_COMPLEX (or 413) naming the limit, and the server keeps serving.
import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentShape as measureShape, estimateCost } from '../src/query-shape.ts';
import { typeDefs } from '../src/schema.ts';
import { createTestDatabase } from './support/db.ts';
import { insertShopRows } from './support/rows.ts';
import { seenErrors, startTestServer, type TestServer } from './support/server.ts';

const DASHBOARD = /* GraphQL */ `
  query Dashboard {
    users(first: 50) {
      nodes { id name orders(first: 5) { nodes { id total status items { quantity unitPrice product { id name price } } } } }
    }
    productCount
  }
`;

const HUNDRED_CUBED = /* GraphQL */ `
  query Big($n: Int = 100) {
    users(first: $n) { nodes { ...UserOrders } }
  }
  fragment UserOrders on User {
    orders(first: 100) { nodes { user { orders(first: $n) { nodes { id } } } } }
  }
`;

/** A query `levels` fields deep: user > orders > nodes > user > ... > id. */
function deepQuery(levels: number): string {
  const cycle = ['orders', 'nodes', 'user'];
  let body = 'id';
  for (let i = levels - 2; i >= 1; i--) body = `${cycle[(i - 1) % 3]} { ${body} }`;
  return `{ user(id: "1") { ${body} } }`;
}

let server: TestServer;

beforeAll(async () => {
  const config = await createTestDatabase('harden_limits');
  await insertShopRows(config);
  server = await startTestServer(config);
});

afterAll(async () => {
  await server?.close();
});

/** Sends a request and asserts no SQL statement ran for it. */
async function withoutSql<T>(fn: () => Promise<T>): Promise<T> {
  const { result, statements } = await server.countStatements(fn);
  expect(statements).toBe(0);
  return result;
}

async function expectStillServing() {
  const res = await server.gql('{ user(id: "1") { id name } }');
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data).toEqual({ user: { id: '1', name: 'User 1' } });
}

describe('query limits', () => {
  it('refuses a 15-level-deep query as QUERY_TOO_COMPLEX naming depth, before any SQL, and keeps serving', async () => {
    expect(measureShape(parse(deepQuery(15))).depth).toBe(15);
    const res = await withoutSql(() => server.gql(deepQuery(15)));
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', value: 15, max: 10 });
    expect(res.body.errors![0]!.message).toMatch(/depth 15 exceeds the limit of 10/);
    await expectStillServing();
  });

  it('accepts a query exactly at the depth limit', async () => {
    const res = await server.gql(deepQuery(10));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.user?.orders?.nodes).toHaveLength(2);
  });

  it('refuses a 500-alias query as QUERY_TOO_COMPLEX naming aliases, before any SQL, and keeps serving', async () => {
    const query = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: productCount`).join(' ')} }`;
    const res = await withoutSql(() => server.gql(query));
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', value: 500, max: 30 });
    await expectStillServing();
  });

  it('counts aliases inside fragments once per spread', async () => {
    const query = `{ a: user(id: "1") { ...F } b: user(id: "2") { ...F } } fragment F on User { ${Array.from({ length: 15 }, (_, i) => `n${i}: name`).join(' ')} }`;
    expect(measureShape(parse(query)).aliases).toBe(32);
    const res = await withoutSql(() => server.gql(query));
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', value: 32 });
  });

  it('refuses a query asking for 100 x 100 x 100 rows (first from variables, through a fragment) before any SQL', async () => {
    for (const variables of [undefined, { n: 100 }]) {
      const res = await withoutSql(() => server.gql(HUNDRED_CUBED, variables));
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: 100_000 });
      expect(res.body.errors![0]!.extensions!.value).toBeGreaterThan(1_000_000);
    }
    await expectStillServing();
  });

  it('judges the same document by the variables of each request', async () => {
    const query = 'query Q($n: Int) { users(first: $n) { nodes { orders(first: $n) { nodes { items { product { id } } } } } } }';
    const small = await server.gql(query, { n: 2 });
    expect(small.body.errors).toBeUndefined();
    expect(small.body.data.users.nodes).toHaveLength(2);
    const big = await withoutSql(() => server.gql(query, { n: 100 }));
    expect(big.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    const smallAgain = await server.gql(query, { n: 2 });
    expect(smallAgain.body.errors).toBeUndefined();
  });

  it('lets the Dashboard query through within the default cost budget', async () => {
    const schema = buildSchema(typeDefs);
    const { cost } = estimateCost(schema, parse(DASHBOARD), 'Dashboard', {});
    // users 1 + 50 users + 50 order pages + 250 orders + 2,500 items (10 a order) + 2,500 products
    expect(cost).toBe(1 + 50 + 50 + 250 + 2500 + 2500);
    const res = await server.gql(DASHBOARD);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.users.nodes).toHaveLength(3);
    expect(res.body.data.productCount).toBe(3);
  });

  it('estimates cost from literals, variables, variable defaults and schema defaults', () => {
    const schema = buildSchema(typeDefs);
    const cost = (query: string, variables: Record<string, unknown> = {}) => estimateCost(schema, parse(query), undefined, variables).cost;
    // The connection object (1) and `first` users in its nodes; scalars are free.
    expect(cost('{ users(first: 7) { nodes { id } } }')).toBe(1 + 7);
    expect(cost('{ users { nodes { id } } }')).toBe(1 + 20);
    expect(cost('query($n: Int) { users(first: $n) { nodes { id } } }', { n: 3 })).toBe(1 + 3);
    expect(cost('query($n: Int = 4) { users(first: $n) { nodes { id } } }')).toBe(1 + 4);
    // Out-of-range first is refused by the resolver anyway: counted as 100.
    expect(cost('{ users(first: 5000) { nodes { id } } }')).toBe(1 + 100);
    expect(cost('{ users(first: 2) { ...C } } fragment C on UserConnection { nodes { id } }')).toBe(1 + 2);
    // edges and nodes both hold the page; pageInfo is one object per connection.
    expect(cost('{ users(first: 2) { edges { node { id } } pageInfo { hasNextPage } } }')).toBe(1 + 2 + 2 + 1);
    // Two levels of 100: 1 + 100 users + 100 order pages + 10,000 orders.
    expect(cost('{ users(first: 100) { nodes { orders(first: 100) { nodes { id } } } } }')).toBe(1 + 100 + 100 + 10_000);
  });

  it('refuses a document over the token limit as QUERY_TOO_COMPLEX naming tokens', async () => {
    const query = `{ ${'productCount '.repeat(2500)}}`;
    const res = await withoutSql(() => server.gql(query));
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens', value: 2502, max: 2000 });
    await expectStillServing();
  });

  it("keeps GraphiQL's introspection query within the limits", async () => {
    const res = await server.gql(getIntrospectionQuery());
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });

  it('refuses batched operations (a JSON array) without running SQL', async () => {
    const res = await withoutSql(() =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ query: '{ productCount }' }, { query: '{ productCount }' }]),
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: unknown[] };
    seenErrors.push(...body.errors);
    expect(body.errors).toHaveLength(1);
  });
});

describe('request body cap', () => {
  const twoMegabytes = JSON.stringify({ query: '{ productCount }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });

  async function expect413(res: Response) {
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    seenErrors.push(...body.errors);
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'bodyBytes', max: 1024 * 1024 });
    expect(body.errors[0]!.extensions.requestId).toBe(res.headers.get('x-request-id'));
    return body;
  }

  it('answers a 2 MB body with 413 and a JSON error before any SQL, and keeps serving', async () => {
    const res = await withoutSql(() =>
      fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: twoMegabytes }),
    );
    const body = await expect413(res);
    expect(body.errors[0]!.extensions.value).toBe(Buffer.byteLength(twoMegabytes));
    await expectStillServing();
  });

  it('answers a 2 MB chunked body (no Content-Length) with 413 once the count passes the cap', async () => {
    const data = Buffer.from(twoMegabytes);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < data.length; offset += 64 * 1024) controller.enqueue(data.subarray(offset, offset + 64 * 1024));
        controller.close();
      },
    });
    const res = await withoutSql(() =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    const body = await expect413(res);
    expect(body.errors[0]!.extensions.value).toBeGreaterThan(1024 * 1024);
    await expectStillServing();
  });

  it('serves a body just under the cap', async () => {
    const body = JSON.stringify({ query: '{ productCount }', variables: { pad: 'x'.repeat(1024 * 1024 - 100) } });
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { productCount: 3 } });
  });
});
