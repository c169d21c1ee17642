// A mutation is never answered TIMEOUT while its transaction may still
// commit: the client learns the real outcome, so a retry cannot write twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertProduct, insertUser } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import type mysql from 'mysql2/promise';

let server: TestServer;
let conn: mysql.Connection;
let locker: mysql.Connection;
let userId: string;
let productId: string;

beforeAll(async () => {
  const config = await createTestDatabase('mutation_time_limit', { limits: { requestTimeoutMs: 300, statementTimeoutMs: 5000 } });
  conn = await sqlConnection(config);
  locker = await sqlConnection(config);
  userId = await insertUser(conn, 'Ann', 'ann@limit.test');
  productId = await insertProduct(conn, 'SLOW', 'Slow', '2.50', 3);
  server = await startTestServer(config);
});

afterAll(async () => {
  await server?.close();
  await conn?.end();
  await locker?.end();
});

it('placeOrder held past REQUEST_TIMEOUT_MS by a row lock still commits and says so', async () => {
  await locker.query('START TRANSACTION');
  await locker.query('SELECT * FROM products WHERE id = ? FOR UPDATE', [productId]);
  const pending = server.gql(`mutation { placeOrder(input: { userId: "${userId}", items: [{ productId: "${productId}", quantity: 2 }] }) { id total } }`);
  await new Promise((r) => setTimeout(r, 700));
  await locker.query('COMMIT');
  const res = await pending;
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.placeOrder.total).toBe('5.00');
  const [[row]] = (await conn.query('SELECT stock FROM products WHERE id = ?', [productId])) as any;
  expect(row.stock).toBe(1);
});

it('a query past REQUEST_TIMEOUT_MS is still answered TIMEOUT', async () => {
  await locker.query('LOCK TABLES products WRITE');
  try {
    const res = await server.gql('{ products { nodes { id } } }');
    expect(res.body.errors![0]!.extensions!.code).toBe('TIMEOUT');
  } finally {
    await locker.query('UNLOCK TABLES');
  }
});
