// Compiled queries (one statement returning database-built JSON) answer
// exactly what the resolver path answers, for every shape GraphQL allows:
// aliases, fragments, @include/@skip, __typename, cursors, filters, edge
// cases of paging, awkward strings; and they fall back to the resolvers
// wherever an error must be reported.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertOrder, insertProduct, insertUser } from './support/fixtures.ts';
import { errorsByPath, startTestServer, type TestServer } from './support/server.ts';

let compiled: TestServer;
/** The same compiled path with every root read as plain rows (COMPILED_FORM=rows). */
let rowsForm: TestServer;
let resolvers: TestServer;
let conn: mysql.Connection;
const id: Record<string, string> = {};

beforeAll(async () => {
  const config = await createTestDatabase('compiled_queries');
  conn = await sqlConnection(config);
  id.u1 = await insertUser(conn, 'Zoë "Quote" O\'Brien \\ back', 'zoe@example.com', '2026-02-03 04:05:06.007');
  id.u2 = await insertUser(conn, 'Line\nBreak\tTab 🚀', 'line_break@example.com');
  id.u3 = await insertUser(conn, 'No Orders', 'none@example.com');
  for (let i = 0; i < 12; i++) await insertUser(conn, `Filler ${i}`, `filler${i}@example.com`);
  id.p1 = await insertProduct(conn, 'A_1', 'Pen "fine"', '0.10', 10);
  id.p2 = await insertProduct(conn, 'B%2', 'Mug 50%', '12.50', 0);
  id.p3 = await insertProduct(conn, 'C-3', 'Lamp', '1000.00', 3);
  const statuses = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'];
  for (let i = 0; i < 9; i++) {
    await insertOrder(
      conn,
      id.u1,
      [
        { productId: id.p3, quantity: 1 + (i % 2), unitPrice: '1000.00' },
        { productId: id.p1, quantity: 3, unitPrice: '0.10' },
      ],
      statuses[i % 4],
      `2026-03-0${1 + (i % 9)} 10:00:00.${String(i).padStart(3, '0')}`,
    );
  }
  await insertOrder(conn, id.u2, [{ productId: id.p2, quantity: 2, unitPrice: '12.50' }], 'PAID');
  id.u4 = await insertUser(conn, 'Only Cancelled', 'cancelled@example.com');
  for (const quantity of [1, 2]) await insertOrder(conn, id.u4, [{ productId: id.p1, quantity, unitPrice: '0.10' }], 'CANCELLED');
  // The statement counts below are the database-built JSON form's (one statement per response).
  compiled = await startTestServer(configWith(config, { compiledForm: 'json' }));
  rowsForm = await startTestServer(configWith(config, { compiledForm: 'rows' }));
  resolvers = await startTestServer(configWith(config, { compiledQueries: false }));
});

afterAll(async () => {
  await compiled?.close();
  await rowsForm?.close();
  await resolvers?.close();
  await conn?.end();
});

/** Sends the query to the three servers; returns the JSON form's statement count. */
async function same(query: string, variables?: Record<string, unknown>): Promise<number> {
  const a = await compiled.countStatements(() => compiled.gql(query, variables));
  const r = await rowsForm.gql(query, variables);
  const b = await resolvers.gql(query, variables);
  expect(a.result.status).toBe(b.status);
  expect(r.status).toBe(b.status);
  // Same data, same key order, same errors. The order of several errors is
  // not defined by GraphQL (the resolvers list them as their loaders finish),
  // so errors are compared in path order.
  expect(JSON.stringify(errorsByPath(a.result.body))).toBe(JSON.stringify(errorsByPath(b.body)));
  expect(JSON.stringify(errorsByPath(r.body))).toBe(JSON.stringify(errorsByPath(b.body)));
  return a.statements;
}

describe('compiled queries give the same response as the resolvers', () => {
  it('the dashboard query, in one statement whatever the page sizes within the size bound', async () => {
    const q = (u: number, o: number) =>
      `{ users(first: ${u}) { nodes { id name orders(first: ${o}) { nodes { id total status items { quantity unitPrice product { id name price } } } } } } productCount }`;
    expect(await same(q(5, 5))).toBe(1);
    expect(await same(q(50, 5))).toBe(1);
    // 50 x 50 orders could exceed the compiled size bound: the loaders answer it.
    expect(await same(q(50, 50))).toBe(5);
  });

  it('every scalar of every type, with awkward strings and exact money', async () => {
    const statements = await same(`{
      users(first: 3) { nodes { id name email createdAt orderCount totalSpent } }
      products { nodes { id sku name price stock createdAt } }
      orders(first: 100) { nodes { id status total createdAt user { id name } items { quantity unitPrice subtotal product { sku } } } }
    }`);
    expect(statements).toBe(1);
  });

  it('edges, cursors and pageInfo on every page of a walk', async () => {
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const q = `query($a: String) { users(first: 4, after: $a) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
      expect(await same(q, { a: after })).toBe(1);
      const res: any = await compiled.gql(q, { a: after });
      if (!res.body.data.users.pageInfo.hasNextPage) return;
      after = res.body.data.users.pageInfo.endCursor;
    }
    throw new Error('walk did not end');
  });

  it('filtered root lists walked page by page: the filter and the cursor both bound (parameters in text order), every page and count alike', async () => {
    // Rows whose JSON reads no other rows (the page's text is cut after `first` rows) and rows
    // that do (the page's rows are numbered, so row first+1's subqueries never run).
    const lists = [
      ['users', '{ search: "Filler" }', 'nodes { id }'],
      ['users', '{ search: "o" }', 'nodes { id orderCount orders(first: 1) { nodes { id } } }'],
      ['orders', '{ status: PAID }', 'nodes { id }'],
      ['orders', '{ status: PAID }', 'nodes { id user { id name } items { quantity product { id } } }'],
      ['products', '{ search: "e", minPrice: "0.10" }', 'nodes { id }'],
    ] as const;
    for (const [field, filter, rows] of lists) {
      for (const first of [1, 2, 5]) {
        let after: string | null = null;
        for (let page = 0; page < 20; page++) {
          const q = `query($a: String) { ${field}(first: ${first}, after: $a, filter: ${filter}) { totalCount ${rows} edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
          expect(await same(q, { a: after })).toBe(1);
          const res: any = await compiled.gql(q, { a: after });
          if (!res.body.data[field].pageInfo.hasNextPage) break;
          after = res.body.data[field].pageInfo.endCursor;
        }
      }
    }
  });

  it('nested connections with first, after, status, totalCount and pageInfo', async () => {
    const first = await compiled.gql(`{ user(id: "${id.u1}") { orders(first: 2) { pageInfo { endCursor } } } }`);
    const after = first.body.data.user.orders.pageInfo.endCursor;
    const q = `query($a: String) { users(first: 3) { nodes { id
      a: orders(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } }
      b: orders(first: 2, after: $a) { nodes { id } pageInfo { hasNextPage hasPreviousPage } }
      c: orders(status: CANCELLED) { totalCount nodes { id status } }
      d: orders(first: 0) { nodes { id } pageInfo { hasNextPage startCursor endCursor } }
      e: orders(first: 100) { pageInfo { hasNextPage } }
    } } }`;
    expect(await same(q, { a: after })).toBe(1);
    // An empty page (after the last order) beside counts and EXISTS of the same parent row.
    const past = Buffer.from('Order:18446744073709551615').toString('base64url');
    const empty = `query($a: String) { users(first: 3) { nodes { id
      f: orders(first: 2, after: $a) { totalCount nodes { id } edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      g: orders(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage } }
      h: orders(first: 1, status: SHIPPED) { totalCount nodes { id } pageInfo { hasNextPage endCursor } }
    } } }`;
    expect(await same(empty, { a: past })).toBe(1);
    expect(await same(empty, { a: after })).toBe(1);
    // Under user(id), whose id is a bound value, the page is a derived table of its own.
    for (const user of [id.u1, id.u2, id.u3]) {
      const one = `query($a: String) { user(id: "${user}") { id
        a: orders(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } }
        b: orders(first: 2, after: $a) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage } }
        c: orders(status: CANCELLED) { totalCount nodes { id status } }
        d: orders(first: 0) { totalCount nodes { id } pageInfo { hasNextPage startCursor endCursor } }
        e: orders(first: 100) { pageInfo { hasNextPage } }
        f: orders(first: 20) { totalCount nodes { id } }
        g: orders(first: 1, status: SHIPPED) { nodes { id } pageInfo { endCursor } }
      } }`;
      for (const a of [null, after, past]) expect(await same(one, { a })).toBe(1);
    }
  });

  it('aliases, named and inline fragments, duplicate fields and __typename', async () => {
    const q = `
      query Named { __typename
        people: users(first: 2) { __typename nodes { ...U ... on User { email } name } edges { __typename cursor } pageInfo { __typename hasNextPage } }
        p: product(id: "${id.p1}") { __typename ...P }
      }
      fragment U on User { __typename id name handle: email orders(first: 1) { __typename nodes { __typename id items { __typename product { __typename ...P } } } } }
      fragment P on Product { id sku cost: price }`;
    expect(await same(q)).toBe(1);
  });

  it('@include and @skip follow their variables', async () => {
    const q = `query($yes: Boolean!, $no: Boolean!) { users(first: 2) { nodes { id name @include(if: $yes) email @skip(if: $yes) orders @include(if: $no) { totalCount } } } }`;
    expect(await same(q, { yes: true, no: false })).toBe(1);
    expect(await same(q, { yes: false, no: true })).toBe(1);
  });

  it('Product.inStock agrees with the inStock filter, at the root, in pages and under order items', async () => {
    const { result, statements } = await compiled.countStatements(() =>
      compiled.gql(`{ in: products(filter: { inStock: true }) { nodes { id inStock } } out: products(filter: { inStock: false }) { nodes { id inStock } } }`),
    );
    expect(statements).toBe(1);
    expect(result.body.data.in.nodes.every((p: any) => p.inStock === true)).toBe(true);
    expect(result.body.data.out.nodes.map((p: any) => p.inStock)).toEqual([false]);
    expect(
      await same(`{
        all: products { nodes { id stock inStock } }
        one: product(id: "${id.p2}") { inStock }
        orders(first: 3) { nodes { items { product { id inStock } } } }
      }`),
    ).toBe(1);
  });

  it('filters with literal % and _, price bounds, stock and date windows', async () => {
    expect(
      await same(`{
        a: users(filter: { search: "_BREAK" }) { nodes { id } totalCount }
        b: products(filter: { search: "%" }) { nodes { id } }
        c: products(filter: { search: "a_" }) { nodes { id } }
        d: products(filter: { minPrice: "0.10", maxPrice: 12.5, inStock: false }) { nodes { id } totalCount }
        e: productCount(filter: { inStock: true })
        f: orders(filter: { status: PAID, userId: "${id.u1}", createdAfter: "2026-03-02T10:00:00.001Z", createdBefore: "2026-03-07T00:00:00Z" }) { nodes { id } totalCount pageInfo { hasNextPage } }
      }`),
    ).toBe(1);
  });

  it('orderCount and totalSpent together (one pass over the orders), reversed or apart, for users with orders, only cancelled ones, or none', async () => {
    const q = `{
      users(first: 100) { nodes { id orderCount totalSpent a: totalSpent b: orderCount c: orderCount name d: totalSpent e: orderCount f: orderCount } }
      u1: user(id: "${id.u1}") { totalSpent orderCount }
      u3: user(id: "${id.u3}") { orderCount totalSpent }
      u4: user(id: "${id.u4}") { orderCount totalSpent }
      solo: user(id: "${id.u4}") { totalSpent orderCount }
    }`;
    expect(await same(q)).toBe(1);
    const res = await compiled.gql(q);
    expect(res.body.data.u4).toEqual({ orderCount: 2, totalSpent: '0.00' });
    expect(res.body.data.u3).toEqual({ orderCount: 0, totalSpent: '0.00' });
    expect(await same(`query($u: ID!) { user(id: $u) { totalSpent orderCount } }`, { u: id.u1 })).toBe(1);
  });

  it('a user without orders: empty lists, zero counts, "0.00"', async () => {
    expect(await same(`{ user(id: "${id.u3}") { orderCount totalSpent orders { totalCount nodes { id } edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`)).toBe(1);
  });
});

describe('point lookups by id variables (planned once per document)', () => {
  const Q = `query Lookup($u: ID!, $p: ID!) { a: user(id: $u) { id name orderCount totalSpent } b: product(id: $p) { ...P } c: user(id: $u) { email } }
    fragment P on Product { id sku price }`;

  it.each([
    ['ids that exist', () => ({ u: id.u1, p: id.p1 })],
    ['the same document with other ids', () => ({ u: id.u2, p: id.p3 })],
    ['numbers for ids', () => ({ u: Number(id.u3), p: Number(id.p2) })],
    ['an unknown user', () => ({ u: '999999', p: id.p1 })],
    ['unknown user and product', () => ({ u: '999999', p: '888888' })],
    ['leading zeros', () => ({ u: `00${id.u1}`, p: id.p1 })],
  ])('%s: same response, one statement', async (_name, vars) => {
    expect(await same(Q, vars())).toBe(1);
  });

  it.each([
    ['a malformed id', { u: 'abc', p: '1' }],
    ['a missing variable', { u: '1' }],
    ['a null id', { u: null, p: '1' }],
    ['a fractional id', { u: 1.5, p: '1' }],
  ])('%s: the resolvers answer, and the same way', async (_name, vars) => {
    await same(Q, vars as Record<string, unknown>);
  });

  it('an id variable also used elsewhere is planned per request and still matches', async () => {
    expect(await same('query($u: ID!) { user(id: $u) { id } orders(filter: { userId: $u }) { totalCount } }', { u: id.u1 })).toBe(1);
  });
});

describe('filter values by variables (planned once per document and kind of value)', () => {
  const SEARCH = `query Search($q: String!, $stock: Boolean, $min: Decimal, $max: Decimal) {
    products(first: 2, filter: { search: $q, inStock: $stock, minPrice: $min, maxPrice: $max }) { totalCount pageInfo { hasNextPage endCursor } nodes { id name price } }
    count: productCount(filter: { search: $q, maxPrice: $max })
  }`;
  const ORDERS = `query Orders($s: OrderStatus, $from: DateTime, $to: DateTime, $who: String) {
    orders(first: 3, filter: { status: $s, createdAfter: $from, createdBefore: $to }) { totalCount nodes { id status createdAt } }
    users(first: 2, filter: { search: $who }) { totalCount nodes { id name } }
  }`;

  it.each([
    ['a word', SEARCH, { q: 'lamp' }],
    ['the same document with another word and bounds', SEARCH, { q: 'p', min: '0.10', max: 12.5 }],
    ['% and _ as themselves', SEARCH, { q: '50%' }],
    ['_ and ! as themselves', SEARCH, { q: 'A_1!' }],
    ['an empty search (no condition)', SEARCH, { q: '', stock: false }],
    ['in stock, explicit nulls', SEARCH, { q: 'e', stock: true, min: null, max: null }],
    ['money sent as numbers and unnormalised text', SEARCH, { q: 'm', min: 0, max: ' 1000 ' }],
    ['nothing matches', SEARCH, { q: 'no such product' }],
    ['statuses and a window', ORDERS, { s: 'PAID', from: '2026-03-02T10:00:00.001Z', to: '2026-03-07T00:00:00Z', who: 'o' }],
    ['another status, a window in another zone', ORDERS, { s: 'CANCELLED', from: '2026-03-01T12:00:00+02:00', who: 'Filler 1' }],
    ['no filter values at all', ORDERS, {}],
    ['a name with a quote', ORDERS, { who: 'Zoë "Quote"' }],
  ])('%s: same response, one statement', async (_name, query, vars) => {
    expect(await same(query, vars)).toBe(1);
  });

  it.each([
    ['a Decimal with three decimals', SEARCH, { q: 'a', min: '1.001' }],
    ['a Decimal that is a word', SEARCH, { q: 'a', max: 'cheap' }],
    ['a search that is a number', SEARCH, { q: 5 }],
    ['a missing search', SEARCH, {}],
    ['a boolean as text', SEARCH, { q: 'a', stock: 'true' }],
    ['an unknown status', ORDERS, { s: 'LOST' }],
    ['a date without a zone', ORDERS, { from: '2026-03-02T10:00:00' }],
    ['a day the month does not have', ORDERS, { to: '2026-02-30T00:00:00Z' }],
  ])('%s: the resolvers answer, and the same way', async (_name, query, vars) => {
    await same(query, vars as Record<string, unknown>);
  });
});

describe('errors take the resolver path and look the same', () => {
  it.each([
    ['an unknown id', '{ user(id: "999999") { id } productCount }'],
    ['a malformed id', '{ order(id: "abc") { id } }'],
    ['first out of range', '{ users(first: 101) { totalCount } }'],
    ['a nested first out of range', '{ users(first: 1) { nodes { orders(first: -1) { totalCount } } } }'],
    ['a foreign cursor', `{ users(after: "${Buffer.from('Order:1').toString('base64url')}") { totalCount } }`],
    ['a bad Decimal', '{ productCount(filter: { minPrice: "1.001" }) }'],
    ['a parse error', '{ users( }'],
    ['a validation error', '{ users { nodes { nope } } }'],
  ])('%s', async (_name, query) => {
    await same(query);
  });

  it('introspection is answered by the executor', async () => {
    await same('{ __schema { queryType { name } } __type(name: "User") { fields { name } } }');
  });

  it('a bad variable value', async () => {
    await same('query($f: Int) { users(first: $f) { totalCount } }', { f: 'ten' });
  });
});

describe('large compiled responses', () => {
  it('a page of more than 1 MB of JSON comes back whole (GROUP_CONCAT is not cut at its default length)', async () => {
    const config = await createTestDatabase('compiled_large');
    const c = await sqlConnection(config);
    const big = await startTestServer(configWith(config, { compiledForm: 'json' }));
    try {
      await c.query('INSERT INTO users (name, email) VALUES ?', [Array.from({ length: 100 }, (_, i) => ['N'.repeat(90) + i, `big${i}@example.com`])]);
      const orders: unknown[][] = [];
      for (let u = 1; u <= 100; u++) for (let o = 0; o < 100; o++) orders.push([u, 'PAID', '123456.78']);
      await c.query('INSERT INTO orders (user_id, status, total) VALUES ?', [orders]);
      const q = '{ users(first: 100) { nodes { id name orders(first: 100) { nodes { id total status createdAt __typename amount: total } } } } }';
      const { result, statements } = await big.countStatements(() => big.gql(q));
      expect(statements).toBe(1);
      expect(JSON.stringify(result.body).length).toBeGreaterThan(1_100_000);
      expect(result.body.data.users.nodes).toHaveLength(100);
      expect(result.body.data.users.nodes.every((u: any) => u.orders.nodes.length === 100)).toBe(true);
    } finally {
      await big.close();
      await c.end();
    }
  });
});
