// The compiled path's plain-rows form (src/compiled/forms.ts, rows-sql.ts,
// rows-run.ts) on the bench's documents, as the default COMPILED_FORM=auto
// reads them: the same answers as the resolvers and as the one statement of
// database-built JSON, the statements each shape sends (one per level of the
// response, the count only when the page does not prove it), and the answers
// after rows are inserted, updated and deleted around the gateway with plain
// SQL. Every document is run against the three servers.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DOCUMENT, DASHBOARD, DEEP_PAGE, ORDER_LIST, SEARCH_BOX, USER_BY_ID } from '../bench/operations.ts';
import { configWith } from '../src/config.ts';
import { encodeCursor } from '../src/connections.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertOrder, insertProduct, insertUser } from './support/fixtures.ts';
import { errorsByPath, startTestServer, type TestServer } from './support/server.ts';

let auto: TestServer;
let json: TestServer;
/** Every root as plain rows (COMPILED_FORM=rows), for the shapes auto reads as database-built JSON. */
let rows: TestServer;
let resolvers: TestServer;
let conn: mysql.Connection;
const users: string[] = [];
const products: string[] = [];

beforeAll(async () => {
  const config = await createTestDatabase('compiled_rows');
  conn = await sqlConnection(config);
  for (let i = 0; i < 30; i++) users.push(await insertUser(conn, `User ${i} "q" \\ ${i % 3 ? 'Mug' : 'Lamp'}`, `u${i}@example.com`, `2026-01-${String(1 + (i % 28)).padStart(2, '0')} 0${i % 10}:00:00.${String(i).padStart(3, '0')}`));
  for (let i = 0; i < 40; i++) products.push(await insertProduct(conn, `SKU-${i}`, `${i % 2 ? 'Red' : 'Blue'} Mug ${i}`, `${1 + i}.${i % 10}5`, i % 4));
  const statuses = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'];
  // Users 0..9 have 0..9 orders each, of one to three items.
  for (let u = 0; u < 10; u++) {
    for (let o = 0; o < u; o++) {
      const items = Array.from({ length: 1 + ((u + o) % 3) }, (_, k) => ({ productId: products[(u * 7 + o * 3 + k * 11) % 40]!, quantity: 1 + k, unitPrice: `${2 + k}.50` }));
      await insertOrder(conn, users[u]!, items, statuses[(u + o) % 4], `2026-02-0${1 + (o % 9)} 10:00:00.000`);
    }
  }
  auto = await startTestServer(config);
  json = await startTestServer(configWith(config, { compiledForm: 'json' }));
  rows = await startTestServer(configWith(config, { compiledForm: 'rows' }));
  resolvers = await startTestServer(configWith(config, { compiledQueries: false }));
});

afterAll(async () => {
  await auto?.close();
  await json?.close();
  await rows?.close();
  await resolvers?.close();
  await conn?.end();
});

/** The document on the four servers: the same answers; the statements the default (auto) and the plain-rows forms sent. */
async function same(query: string, variables?: Record<string, unknown>): Promise<{ statements: number; rowsStatements: number; body: any }> {
  const a = await auto.countStatements(() => auto.gql(query, variables));
  const p = await rows.countStatements(() => rows.gql(query, variables));
  const j = await json.gql(query, variables);
  const r = await resolvers.gql(query, variables);
  expect(a.result.body.errors).toBeUndefined();
  for (const other of [a.result.body, p.result.body, j.body]) expect(JSON.stringify(errorsByPath(other))).toBe(JSON.stringify(errorsByPath(r.body)));
  return { statements: a.statements, rowsStatements: p.statements, body: a.result.body };
}

describe('the bench documents, as plain rows', () => {
  it('DeepPage: one statement (the page, first + 1 rows) on every page of a walk', async () => {
    let after: string | null = null;
    let pages = 0;
    do {
      const { statements, body } = await same(DEEP_PAGE, { first: 7, after });
      expect(statements).toBe(1);
      after = body.data.users.pageInfo.hasNextPage ? body.data.users.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(Math.ceil(users.length / 7));
  });

  it('SearchBox: the page alone when it proves the count, else the page and the count', async () => {
    expect((await same(SEARCH_BOX, { search: 'SKU-17' })).statements).toBe(1);
    expect((await same(SEARCH_BOX, { search: 'nothing at all' })).statements).toBe(1);
    const many = await same(SEARCH_BOX, { search: 'mug', inStock: true, minPrice: '3.00' });
    expect(many.body.data.products.pageInfo.hasNextPage).toBe(true);
    expect(many.statements).toBe(2);
  });

  it('ClientDocument: one statement, the user with its first orders and their items (products joined) joined into its row; without orders too', async () => {
    for (const u of [9, 5, 1, 0]) {
      const withOrders = await same(CLIENT_DOCUMENT, { id: users[u], withOrders: true });
      expect(withOrders.statements).toBe(1);
      expect(withOrders.body.data.user.orders.pageInfo.hasNextPage).toBe(u > 5);
      expect((await same(CLIENT_DOCUMENT, { id: users[u], withOrders: false })).statements).toBe(1);
    }
    // A user that does not exist: NOT_FOUND from the resolvers, alike.
    const missing = await auto.gql(CLIENT_DOCUMENT, { id: '999999', withOrders: true });
    expect(missing.body).toEqual((await resolvers.gql(CLIENT_DOCUMENT, { id: '999999', withOrders: true })).body);
  });

  it('OrderList: the page (users joined), its count when the page does not prove it, the items with products', async () => {
    for (const status of ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED']) {
      const { statements, body } = await same(ORDER_LIST, { status });
      // Fewer than 100 orders of a status: the page proves the count.
      expect(body.data.orders.totalCount).toBeLessThan(100);
      expect(statements).toBe(2);
    }
    const { statements } = await same(ORDER_LIST.replace('first: 100', 'first: 3'), { status: 'PAID' });
    expect(statements).toBe(3);
  });

  it('Dashboard: one statement of database-built JSON (a page of users with their orders); as plain rows the users and the product count side by side, each user\'s first orders, their items (4)', async () => {
    const { statements, rowsStatements } = await same(DASHBOARD);
    expect(statements).toBe(1);
    expect(rowsStatements).toBe(4);
  });

  it('a user read by id: orderCount and totalSpent from the read of its orders when that read is all of them, else their own pass', async () => {
    for (const u of [0, 1, 5, 9]) {
      const id = users[u];
      // Read with the page joined into the user's statement (window aggregates over all the user's orders): one statement.
      expect((await same(`{ user(id: "${id}") { totalSpent orders(first: 2) { nodes { id } } orderCount } }`)).statements).toBe(1);
      expect((await same(`{ user(id: "${id}") { orderCount totalSpent orders(first: 0) { pageInfo { hasNextPage } } } }`)).statements).toBe(1);
      // Two pages of the user's orders: the first joined, the second beside it.
      expect((await same(`{ user(id: "${id}") { a: orders(first: 2) { nodes { id } } b: orders(first: 3, status: PAID) { totalCount nodes { id items { quantity } } } } }`)).statements).toBe(u === 0 ? 2 : 3);
      // A status, a cursor or no row of the page to read: the orders' own pass in the user's statement.
      await same(`{ user(id: "${id}") { orderCount totalSpent orders(first: 2, status: PAID) { nodes { id } } } }`);
      await same(`query($a: String) { user(id: "${id}") { orderCount totalSpent orders(first: 2, after: $a) { nodes { id } } } }`, { a: encodeCursor('Order', '2') });
      await same(`{ user(id: "${id}") { orderCount totalSpent orders(first: 0) { totalCount } } }`);
    }
  });

  it('UserById: one statement of database-built JSON (a flat point lookup)', async () => {
    for (const u of [0, 3, 9]) expect((await same(USER_BY_ID, { id: users[u] })).statements).toBe(1);
  });

  it('nested lists under lists, to-one relations under lists, every pageInfo field and a cursor inside a user\'s orders', async () => {
    const q = `query($after: String) {
      orders(first: 12, filter: { status: PAID }) {
        totalCount
        edges { cursor node { id user { id name orderCount orders(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id items { subtotal product { inStock sku } } } } } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;
    await same(q, { after: null });
    await same(q, { after: encodeCursor('Order', '3') });
    // Counts of another row inside the rows numbered per user (a subquery in that statement's select list).
    await same('{ users(first: 6) { nodes { id orders(first: 2) { pageInfo { hasNextPage } nodes { id user { orderCount totalSpent name } } } } } }');
    await same('{ users(first: 0) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } products(first: 1) { nodes { id } } productCount __typename }');
  });
});

describe('one shape, many values: statements compiled once per shape, each request binding its own (compile-cache.ts)', () => {
  it('searches (wildcards, the escape character, the stand-ins\' mark), statuses, cursors and ids, in turns', async () => {
    const searches = ['mug', 'Mug 1', '%', '_', '!', '50%_off!', '\uFDD00\uFDD0', 'SKU-3', '"q" \\', 'nothing'];
    for (const search of [...searches, ...searches.reverse()]) await same(SEARCH_BOX, { search, inStock: search.length % 2 === 0, minPrice: search.length > 3 ? '2.00' : null });
    for (const status of ['PAID', 'SHIPPED', 'PAID', null, 'CANCELLED', 'PENDING', null]) await same(ORDER_LIST.replace('first: 100', 'first: 2'), { status });
    for (const u of [3, 8, 3, 0, 9]) {
      await same(CLIENT_DOCUMENT, { id: users[u], withOrders: true });
      await same(USER_BY_ID, { id: users[u] });
    }
    for (const id of [users[2], users[20], users[2], users[29]]) await same(DEEP_PAGE, { first: 3, after: encodeCursor('User', id!) });
  });
});

describe('rows written around the gateway with plain SQL show at once, as plain rows', () => {
  const COUNTS = `query($id: ID!) {
    user(id: $id) { orderCount totalSpent orders(first: 3) { totalCount nodes { id status total items { quantity product { stock } } } } }
    orders(first: 5, filter: { status: PAID }) { totalCount nodes { id total } }
    users(first: 2) { totalCount }
    productCount
  }`;

  it('inserts, updates and deletes of users, orders, items and products', async () => {
    const u = users[4]!;
    const before = await same(COUNTS, { id: u });
    const [placed] = await conn.query<mysql.ResultSetHeader>(`INSERT INTO orders (user_id, status, total) VALUES (?, 'PAID', 7.25)`, [u]);
    await conn.query('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, ?, 1, 7.25)', [placed.insertId, products[0]]);
    await conn.query(`INSERT INTO users (name, email) VALUES ('Around', 'around@example.com')`);
    await conn.query(`INSERT INTO products (sku, name, price, stock) VALUES ('AROUND', 'Around', 1.00, 1)`);
    const inserted = await same(COUNTS, { id: u });
    expect(inserted.body.data.user.orderCount).toBe(before.body.data.user.orderCount + 1);
    expect(inserted.body.data.users.totalCount).toBe(users.length + 1);
    expect(inserted.body.data.productCount).toBe(products.length + 1);
    await conn.query(`UPDATE orders SET status = 'CANCELLED' WHERE id = ?`, [placed.insertId]);
    await conn.query('UPDATE products SET stock = stock + 5 WHERE id = ?', [products[0]]);
    await same(COUNTS, { id: u });
    await conn.query('DELETE FROM order_items WHERE order_id = ?', [placed.insertId]);
    await conn.query('DELETE FROM orders WHERE id = ?', [placed.insertId]);
    await conn.query(`DELETE FROM users WHERE email = 'around@example.com'`);
    await conn.query(`DELETE FROM products WHERE sku = 'AROUND'`);
    const after = (await same(COUNTS, { id: u })).body.data;
    const was = before.body.data;
    expect([after.user.orderCount, after.user.totalSpent, after.user.orders.totalCount]).toEqual([was.user.orderCount, was.user.totalSpent, was.user.orders.totalCount]);
    expect([after.orders, after.users, after.productCount]).toEqual([was.orders, was.users, was.productCount]);
  });
});
