// Orders through `npm run import`: placed orders follow placeOrder's rules
// (stock taken under lock, refusals with placeOrder's messages, nothing of a
// refused row stays), --historical orders keep their past and leave stock
// alone, and every refusal reads as the GraphQL mutation's own.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { dumpTables } from './support/dump.ts';
import { insertProduct, insertUser, rows } from './support/fixtures.ts';
import { runImportCli, useTempDir } from './support/import-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

vi.setConfig({ testTimeout: 180_000 });

let config: Config;
let conn: mysql.Connection;
let server: TestServer;
const files = useTempDir();
let ann: string;
let bob: string;
let apple: string;
let pear: string;

beforeAll(async () => {
  config = await createTestDatabase('import_orders');
  conn = await sqlConnection(config);
  server = await startTestServer(config);
});
afterAll(async () => {
  await server?.close();
  await conn?.end();
});
beforeEach(async () => {
  await truncateAll(conn);
  ann = await insertUser(conn, 'Ann', 'ann@example.com');
  bob = await insertUser(conn, 'Bob', 'bob@example.com');
  apple = await insertProduct(conn, 'APPLE-1', 'Apple', '1.20', 5);
  pear = await insertProduct(conn, 'PEAR-1', 'Pear', '0.50', 3);
});

const items = (list: object[]) => JSON.stringify(list);

async function importOrders(lines: object[], args: string[] = []) {
  const file = await files.write(`orders-${Math.random().toString(36).slice(2)}.ndjson`, lines.map((line) => JSON.stringify(line)).join('\n'));
  const reportFile = files.path('orders-report.json');
  return runImportCli(config, [file, '--report', reportFile, ...args]);
}

describe('placed orders (placeOrder rules)', () => {
  it('take stock row after row, refuse what placeOrder refuses with its messages, and land nothing of a refused row', async () => {
    const run = await importOrders([
      { userEmail: 'ann@example.com', items: [{ sku: 'APPLE-1', quantity: 2 }, { productId: pear, quantity: 1 }] },
      { userId: ann, items: [{ productId: apple, quantity: 1 }], total: '5.00' },
      { userId: bob, items: [{ sku: 'apple-1', quantity: 4 }] },
      { userId: bob, items: [{ productId: apple, quantity: 3 }] },
      { userId: '999', items: [{ productId: apple, quantity: 1 }] },
      { userId: ann, items: [] },
      { userId: ann, items: [{ productId: pear, quantity: 0 }] },
      { userId: ann, items: [{ sku: 'NOPE', quantity: 1 }] },
      { userId: ann, items: [{ productId: pear, quantity: 1 }], status: 'PAID' },
      { userId: ann, items: [{ productId: pear, quantity: 1 }, { productId: pear, quantity: 1 }] },
      { userId: ann, items: [{ productId: '12345', quantity: 1 }] },
    ]);
    expect(run.code).toBe(1);
    expect(run.report!.totals).toEqual({ read: 11, inserted: 3, updated: 0, skipped: 0, failed: 8 });
    expect(run.report!.files[0]!.errors.map((e) => [e.line, e.field, e.code, e.message])).toEqual([
      [2, 'total', 'BAD_USER_INPUT', 'total "5.00" does not match the items, which add up to "1.20"'],
      [3, 'items', 'INSUFFICIENT_STOCK', `Product ${apple} (APPLE-1) has 3 in stock, but the order asks for 4`],
      [5, 'userId', 'NOT_FOUND', 'No user with id "999"'],
      [6, 'items', 'BAD_USER_INPUT', 'items must hold 1 to 100 lines, but got 0'],
      [7, 'items[0].quantity', 'BAD_USER_INPUT', 'items[0].quantity must be a whole number at least 1, but got 0'],
      [8, 'items[0].sku', 'NOT_FOUND', 'No product with sku "NOPE"'],
      [9, 'status', 'BAD_USER_INPUT', 'status is read only with --historical (a placed order starts PENDING, now)'],
      [11, 'items', 'NOT_FOUND', 'No product with id "12345"'],
    ]);
    const orders = await rows(conn, 'SELECT user_id, status, total FROM orders ORDER BY id');
    expect(orders).toEqual([
      { user_id: ann, status: 'PENDING', total: '2.90' },
      { user_id: bob, status: 'PENDING', total: '3.60' },
      { user_id: ann, status: 'PENDING', total: '1.00' },
    ]);
    expect(await rows(conn, 'SELECT quantity, unit_price FROM order_items ORDER BY order_id, product_id')).toEqual([
      { quantity: 2, unit_price: '1.20' },
      { quantity: 1, unit_price: '0.50' },
      { quantity: 3, unit_price: '1.20' },
      { quantity: 2, unit_price: '0.50' },
    ]);
    expect(await rows(conn, 'SELECT sku, stock FROM products ORDER BY id')).toEqual([
      { sku: 'APPLE-1', stock: 0 },
      { sku: 'PEAR-1', stock: 0 },
    ]);
  });

  it('refuse with the very messages the placeOrder mutation answers', async () => {
    const cases = [
      { userId: bob, items: [{ productId: apple, quantity: 6 }] },
      { userId: '999', items: [{ productId: apple, quantity: 1 }] },
      { userId: ann, items: [{ productId: apple, quantity: -1 }] },
      { userId: ann, items: [{ productId: 'x1', quantity: 1 }] },
      { userId: ann, items: [] },
    ];
    const run = await importOrders(cases);
    const fromFile = run.report!.files[0]!.errors.map((e) => [e.code, e.message]);
    const fromApi = [];
    for (const input of cases) {
      const response = await server.gql('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', { input });
      const error = response.body.errors![0]!;
      fromApi.push([error.extensions!.code, error.message.replace(/^input\./, '')]);
    }
    expect(fromFile).toEqual(fromApi);
  });

  it('with an explicit id: a re-run with skip changes nothing, fail refuses the taken id, update is refused for placed orders', async () => {
    const lines = [
      { id: '500', userId: ann, items: [{ productId: apple, quantity: 1 }] },
      { id: '501', userId: bob, items: [{ productId: pear, quantity: 1 }] },
    ];
    expect((await importOrders(lines)).code).toBe(0);
    const before = await dumpTables(conn);
    const again = await importOrders(lines);
    expect(again.code).toBe(0);
    expect(again.report!.totals).toMatchObject({ inserted: 0, skipped: 2 });
    expect(await dumpTables(conn)).toBe(before);

    const fail = await importOrders(lines.slice(0, 1), ['--on-conflict', 'fail']);
    expect(fail.report!.files[0]!.errors.map((e) => e.message)).toEqual(['id "500" is already used by another order']);
    const update = await importOrders(lines.slice(0, 1), ['--on-conflict', 'update']);
    expect(update.report!.files[0]!.errors[0]!.message).toMatch(/^id "500" is already used by another order; --on-conflict update replaces orders only with --historical/);
    expect(await dumpTables(conn)).toBe(before);
  });
});

describe('--historical orders', () => {
  it('keep their status, date and unit prices, check a stated total, and leave stock alone', async () => {
    const run = await importOrders(
      [
        { id: 7, userEmail: 'ann@example.com', status: 'shipped', createdAt: '2024-03-01T10:00:00.000Z', total: '9.00', items: [{ sku: 'APPLE-1', quantity: 10, unitPrice: '0.90' }] },
        { userId: bob, items: [{ productId: pear, quantity: 1 }], status: 'CANCELLED', createdAt: '2024-03-02T11:30:00+02:00' },
        { userId: bob, items: [{ productId: pear, quantity: 1, unitPrice: '0.40' }], total: '0.50' },
        { userId: bob, items: [{ productId: pear, quantity: 1 }], status: 'LOST' },
        { userId: bob, items: [{ productId: pear, quantity: 1 }], createdAt: '2024-02-30T00:00:00Z' },
        { userId: bob, items: [{ productId: pear, quantity: 1, unitPrice: '0.40' }, { productId: pear, quantity: 1, unitPrice: '0.45' }] },
      ],
      ['--historical'],
    );
    expect(run.report!.files[0]!.errors.map((e) => [e.line, e.field, e.message])).toEqual([
      [3, 'total', 'total "0.50" does not match the items, which add up to "0.40"'],
      [4, 'status', 'status must be one of PENDING, PAID, SHIPPED, CANCELLED, but got "LOST"'],
      [5, 'createdAt', 'createdAt: DateTime "2024-02-30T00:00:00Z" is not a real date'],
      [6, 'items[1].unitPrice', 'items[1].unitPrice "0.45" differs from "0.40" of an earlier line of the same product; lines of one product are merged'],
    ]);
    expect(await rows(conn, 'SELECT id, user_id, status, total, created_at FROM orders ORDER BY id')).toEqual([
      { id: '7', user_id: ann, status: 'SHIPPED', total: '9.00', created_at: '2024-03-01 10:00:00.000' },
      { id: '8', user_id: bob, status: 'CANCELLED', total: '0.50', created_at: '2024-03-02 09:30:00.000' },
    ]);
    // Ten apples in a past order, with five in stock: the stock is not touched.
    expect(await rows(conn, 'SELECT stock FROM products ORDER BY id')).toEqual([{ stock: 5 }, { stock: 3 }]);
  });

  it('--on-conflict update replaces a stored order and its items', async () => {
    await importOrders([{ id: 9, userId: ann, status: 'PAID', items: [{ productId: apple, quantity: 1 }] }], ['--historical']);
    const run = await importOrders([{ id: 9, userId: bob, status: 'SHIPPED', items: [{ productId: pear, quantity: 2, unitPrice: '0.45' }] }], ['--historical', '--on-conflict', 'update']);
    expect(run.code).toBe(0);
    expect(run.report!.totals).toMatchObject({ updated: 1 });
    expect(await rows(conn, 'SELECT id, user_id, status, total FROM orders')).toEqual([{ id: '9', user_id: bob, status: 'SHIPPED', total: '0.90' }]);
    expect(await rows(conn, 'SELECT order_id, product_id, quantity, unit_price FROM order_items')).toEqual([{ order_id: '9', product_id: pear, quantity: 2, unit_price: '0.45' }]);
  });
});

describe('users and products', () => {
  it('are refused with the very messages createUser and createProduct answer', async () => {
    const users = [
      { name: 'A', email: 'not-an-email' },
      { name: '', email: 'a@example.com' },
      { name: 'n'.repeat(101), email: 'b@example.com' },
      { name: 'Taken', email: 'ANN@example.com' },
    ];
    const products = [
      { sku: 'bad sku', name: 'X', price: '1.00', stock: 1 },
      { sku: 'OK-2', name: 'X', price: '-1.00', stock: 1 },
      { sku: 'OK-3', name: 'X', price: '1.00', stock: -1 },
      { sku: 'apple-1', name: 'X', price: '1.00', stock: 1 },
    ];
    const userFile = await files.write('msg-users.ndjson', users.map((u) => JSON.stringify(u)).join('\n'));
    const productFile = await files.write('msg-products.ndjson', products.map((p) => JSON.stringify(p)).join('\n'));
    const run = await runImportCli(config, [userFile, productFile, '--on-conflict', 'fail', '--report', files.path('msg.json')]);
    const fromFile = run.report!.files.flatMap((file) => file.errors.map((e) => [e.field, e.code, e.message]));
    const fromApi = [];
    for (const input of users) {
      const { body } = await server.gql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input });
      fromApi.push(body.errors!.map((e) => [e.extensions!.field.replace(/^input\./, ''), e.extensions!.code, e.message.replace(/^input\./, '')])[0]);
    }
    for (const input of products) {
      const { body } = await server.gql('mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }', { input });
      fromApi.push(body.errors!.map((e) => [(e.extensions!.field ?? '').replace(/^input\./, ''), e.extensions!.code, e.message.replace(/^input\./, '')])[0]);
    }
    expect(fromFile).toEqual(fromApi);
  });

  it("a price with three decimals fails the Decimal scalar's rule, worded with the column instead of the variable", async () => {
    const input = { sku: 'OK-1', name: 'X', price: '1.001', stock: 1 };
    const file = await files.write('decimals-products.ndjson', JSON.stringify(input));
    const run = await runImportCli(config, [file, '--report', files.path('dec.json')]);
    const rule = 'must be an amount with at most 10 digits and 2 decimals, e.g. "12.50", but got "1.001"';
    expect(run.report!.files[0]!.errors[0]!.message).toBe(`price ${rule}`);
    const { body } = await server.gql('mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }', { input });
    expect(body.errors![0]!.message).toBe(`Variable "$input" got invalid value "1.001" at "input.price"; Decimal ${rule}`);
  });
});
