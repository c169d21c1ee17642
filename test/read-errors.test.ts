// Each error code a client can act on, with its path and extensions.code;
// everything else masked as "Unexpected error." with a request id.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertUser } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let conn: mysql.Connection;
let userId: string;

beforeAll(async () => {
  const config = await createTestDatabase('read_errors');
  conn = await sqlConnection(config);
  userId = await insertUser(conn, 'Ann', 'ann@errors.test');
  server = await startTestServer(config);
});

afterAll(async () => {
  await server?.close();
  await conn?.end();
});

describe('NOT_FOUND', () => {
  it.each(['user', 'order', 'product'])('%s with an unknown id is null with one NOT_FOUND error at its path', async (field) => {
    const res = await server.gql(`{ ${field}(id: "123456789") { id } }`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ [field]: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: [field], extensions: { code: 'NOT_FOUND' } });
    expect(res.body.errors![0]!.message).toContain('123456789');
  });
});

describe('BAD_USER_INPUT', () => {
  it.each(['abc', '-1', '1.5', '', ' 1', '99999999999999999999999'])('a malformed id %j is BAD_USER_INPUT', async (bad) => {
    const res = await server.gql('query($id: ID!) { user(id: $id) { id } }', { id: bad });
    expect(res.body.data).toEqual({ user: null });
    expect(res.body.errors![0]).toMatchObject({ path: ['user'], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it.each([-1, 101, 1000])('first: %i is out of range and the message says the range', async (first) => {
    const res = await server.gql('query($f: Int) { products(first: $f) { totalCount } }', { f: first });
    expect(res.body.errors![0]).toMatchObject({ path: ['products'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(res.body.errors![0]!.message).toBe(`first must be between 0 and 100, but got ${first}`);
  });

  it('first out of range on a nested list fails that list only', async () => {
    const res = await server.gql(`{ user(id: "${userId}") { name orders(first: 500) { totalCount } } }`);
    expect(res.body.errors![0]).toMatchObject({ path: ['user', 'orders'], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it.each(['garbage', 'VXNlcjox!', Buffer.from('User:abc').toString('base64url'), Buffer.from('Order:1').toString('base64url')])(
    'a cursor the server did not issue for this list (%s) is BAD_USER_INPUT',
    async (cursor) => {
      const res = await server.gql('query($a: String) { users(after: $a) { totalCount } }', { a: cursor });
      expect(res.body.errors![0]).toMatchObject({ path: ['users'], extensions: { code: 'BAD_USER_INPUT' } });
    },
  );

  it('a malformed userId in an order filter is BAD_USER_INPUT', async () => {
    const res = await server.gql('{ orders(filter: { userId: "x" }) { totalCount } }');
    expect(res.body.errors![0]).toMatchObject({ path: ['orders'], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it.each([
    ['a Decimal with three decimals', '{ products(filter: { minPrice: "1.234" }) { totalCount } }'],
    ['a Decimal that is not a number', '{ productCount(filter: { maxPrice: "cheap" }) }'],
    ['a DateTime without a zone', '{ orders(filter: { createdAfter: "2026-01-01T00:00:00" }) { totalCount } }'],
    ['a DateTime that is no date', '{ orders(filter: { createdBefore: "2026-02-31T00:00:00Z" }) { totalCount } }'],
  ])('%s is BAD_USER_INPUT', async (_name, query) => {
    const res = await server.gql(query);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('a bad variable value is BAD_USER_INPUT naming the variable', async () => {
    const res = await server.gql('query($p: Decimal) { productCount(filter: { minPrice: $p }) }', { p: '1e5' });
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(res.body.errors![0]!.message).toContain('$p');
  });
});

describe('parse and validation', () => {
  it('bad query text is GRAPHQL_PARSE_FAILED', async () => {
    const res = await server.gql('{ users( }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED' });
  });

  it('an unknown field is GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await server.gql('{ users { nodes { password } } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});

describe('masking', () => {
  it('an unexpected failure is masked with a request id, and the rest of the response survives', async () => {
    // A real fault, not a mock: a column the gateway reads disappears.
    const config = await createTestDatabase('read_errors_masked');
    const broken = await startTestServer(config);
    const c = await sqlConnection(config);
    try {
      await c.query("INSERT INTO products (sku, name, price, stock) VALUES ('A', 'A', '1.00', 1)");
      await c.query('RENAME TABLE users TO users_gone');
      const res = await broken.gql('{ user(id: "1") { id } productCount }', undefined, { headers: { 'x-request-id': 'req-mask-1' } });
      expect(res.headers.get('x-request-id')).toBe('req-mask-1');
      expect(res.body.data).toEqual({ user: null, productCount: 1 });
      const error = res.body.errors![0]!;
      expect(error.message).toBe('Unexpected error.');
      expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-mask-1' });
      expect(JSON.stringify(res.body)).not.toMatch(/users_gone|select|\bER_[A-Z]|mysql|stack|exist/i);
    } finally {
      await c.end();
      await broken.close();
    }
  });
});

describe('variables that do not fit their type', () => {
  it.each([
    ['an Int past 32 bits', 'query($f: Int) { users(first: $f) { totalCount } }', { f: 3_000_000_000 }],
    ['a string for an Int', 'query($f: Int) { users(first: $f) { totalCount } }', { f: 'ten' }],
    ['a missing required variable', 'query($id: ID!) { user(id: $id) { id } }', {}],
    ['an unknown enum value', 'query($s: OrderStatus) { orders(filter: { status: $s }) { totalCount } }', { s: 'LOST' }],
  ])('%s is BAD_USER_INPUT naming the variable', async (_name, query, variables) => {
    const res = await server.gql(query, variables);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(res.body.errors![0]!.message).toMatch(/^Variable "\$/);
  });
});
