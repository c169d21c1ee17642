// Counts served from the counters the database keeps (src/db/counters.ts,
// migrations/2026_12_02_0002_counters.ts) are the counts of the rows, on both
// execution paths and for every viewer, whoever wrote the rows: plain SQL
// around the gateway (INSERT, UPDATE of status and user_id, DELETE), the
// gateway's own mutations, the bulk import, many writers at once, with the
// deltas folded into the totals meanwhile or not at all; the triggers make no
// writer deadlock or wait, and a fold never waits for a transaction still
// open. A counted totalCount reads a few counter rows where COUNT(*) read the
// table, and the migration goes up, down and up again with its backfill exact
// while rows are being written.
import mysql from 'mysql2/promise';
import { Kysely, Migrator, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrations } from '../migrations/index.ts';
import { compileJsonQuery } from '../src/compiled/sql.ts';
import type { OperationPlan } from '../src/compiled/plan.ts';
import { configWith, type Config } from '../src/config.ts';
import type { Condition } from '../src/db/conditions.ts';
import { startCounterCompaction } from '../src/db/counter-compaction.ts';
import { compactCounters } from '../src/db/counters.ts';
import type { SqlSession } from '../src/db/direct.ts';
import { createDb, type Db } from '../src/db/pool.ts';
import { createLogger } from '../src/logger.ts';
import { countOrders } from '../src/orders/order.repository.ts';
import { orderConditions } from '../src/orders/order.fields.ts';
import { countUsers } from '../src/users/user.repository.ts';
import { counterMismatches } from './support/counters.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { insertOrder, insertProduct, insertUser, rows } from './support/fixtures.ts';
import { runImportCli, useTempDir } from './support/import-cli.ts';
import { sign } from './support/jwks-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

vi.setConfig({ testTimeout: 120_000 });

const SECRET = 'counters-test-secret-long-enough-for-hs256-0123456789';
const KEY = new TextEncoder().encode(SECRET);
const auth = { auth: { jwtSecret: SECRET, jwksUrl: null, issuer: null, audience: null } };
const STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'] as const;

let base: Config;
let conn: mysql.Connection;
let compiled: TestServer;
let resolvers: TestServer;
const files = useTempDir();
const users: string[] = [];
const products: string[] = [];
let adminToken: string;
/** What the gateways' background fold runs on (src/db/counter-compaction.ts), called here when a test says. */
let folder: Db;

beforeAll(async () => {
  base = await createTestDatabase('counters');
  conn = await sqlConnection(base);
  folder = createDb(configWith(base, { dbPoolSize: 2 }));
  compiled = await startTestServer(configWith(base, { ...auth }));
  resolvers = await startTestServer(configWith(base, { ...auth, compiledQueries: false, compiledMutations: false }));
  adminToken = await sign({ role: 'admin', sub: 'counters-admin' }, KEY);
});
afterAll(async () => {
  await compiled?.close();
  await resolvers?.close();
  await folder?.destroy();
  await conn?.end();
});

const deltas = async () =>
  Number((await rows(conn, 'SELECT (SELECT COUNT(*) FROM user_count_deltas) + (SELECT COUNT(*) FROM product_count_deltas) + (SELECT COUNT(*) FROM order_count_deltas) AS n'))[0]!.n);

async function arrange(): Promise<void> {
  await truncateAll(conn);
  users.length = 0;
  products.length = 0;
  for (const name of ['Ann', 'Bob', 'Cid']) users.push(await insertUser(conn, name, `${name.toLowerCase()}@counters.test`));
  products.push(await insertProduct(conn, 'PEN', 'Pen', '1.50', 100_000), await insertProduct(conn, 'MUG', 'Mug', '12.00', 100_000));
  let n = 0;
  for (const user of users) {
    for (const status of STATUSES) {
      for (let i = 0; i <= n % 3; i++) await insertOrder(conn, user, [{ productId: products[n % 2]!, quantity: 1, unitPrice: n % 2 ? '12.00' : '1.50' }], status);
      n++;
    }
  }
}

const as = async (who: 'admin' | string) => ({ headers: { authorization: `Bearer ${who === 'admin' ? adminToken : await sign({ role: 'customer', sub: who }, KEY)}` } });

const ADMIN_QUERY = `query Counts($u: ID!) {
  users(first: 1) { totalCount }
  all: orders(first: 1) { totalCount }
  pending: orders(first: 0, filter: { status: PENDING }) { totalCount }
  paid: orders(first: 2, filter: { status: PAID }) { totalCount }
  shipped: orders(filter: { status: SHIPPED }) { totalCount }
  cancelled: orders(filter: { status: CANCELLED }) { totalCount }
  ofUser: orders(filter: { userId: $u }) { totalCount }
  ofUserPaid: orders(filter: { userId: $u, status: PAID }) { totalCount }
  products(first: 1) { totalCount }
  productCount
  user(id: $u) { orderCount orders(first: 1) { totalCount } cancelled: orders(status: CANCELLED) { totalCount } }
}`;

const CUSTOMER_QUERY = `{
  orders(first: 1) { totalCount }
  paid: orders(filter: { status: PAID }) { totalCount }
  viewer { orderCount orders { totalCount } shipped: orders(status: SHIPPED) { totalCount } }
}`;

/** What COUNT(*) over the rows says each count of the two documents must be. */
async function expected(user: string) {
  const [c] = await rows(
    conn,
    `SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM products) AS products, (SELECT COUNT(*) FROM orders) AS orders,
      ${STATUSES.map((s) => `(SELECT COUNT(*) FROM orders WHERE status = '${s}') AS ${s}`).join(', ')},
      (SELECT COUNT(*) FROM orders WHERE user_id = ?) AS ofUser,
      ${STATUSES.map((s) => `(SELECT COUNT(*) FROM orders WHERE user_id = ? AND status = '${s}') AS u_${s}`).join(', ')}`,
    [user, user, user, user, user],
  );
  const n = (k: string) => Number(c[k]);
  const total = (x: number) => ({ totalCount: x });
  return {
    admin: {
      users: total(n('users')),
      all: total(n('orders')),
      pending: total(n('PENDING')),
      paid: total(n('PAID')),
      shipped: total(n('SHIPPED')),
      cancelled: total(n('CANCELLED')),
      ofUser: total(n('ofUser')),
      ofUserPaid: total(n('u_PAID')),
      products: total(n('products')),
      productCount: n('products'),
      user: { orderCount: n('ofUser'), orders: total(n('ofUser')), cancelled: total(n('u_CANCELLED')) },
    },
    customer: { orders: total(n('ofUser')), paid: total(n('u_PAID')), viewer: { orderCount: n('ofUser'), orders: total(n('ofUser')), shipped: total(n('u_SHIPPED')) } },
  };
}

/** Every count on both paths, as an admin and as each customer, equals COUNT(*); and the counter tables are exact. */
async function expectExact(): Promise<void> {
  expect(await counterMismatches(conn)).toEqual([]);
  for (const user of users) {
    const want = await expected(user);
    for (const server of [compiled, resolvers]) {
      const admin = await server.gql(ADMIN_QUERY, { u: user }, await as('admin'));
      expect(admin.body).toEqual({ data: want.admin });
      const customer = await server.gql(CUSTOMER_QUERY, {}, await as(user));
      expect(customer.body).toEqual({ data: want.customer });
    }
  }
}

describe('counts from counters equal COUNT(*) on both paths', () => {
  beforeEach(arrange);

  it('after the rows were arranged with plain SQL, and after TRUNCATE with the counters (test support) and arranging again', async () => {
    await expectExact();
    await arrange();
    await expectExact();
  });

  it('after plain-SQL INSERT, UPDATE of status, UPDATE of user_id and DELETE around the gateway', async () => {
    await conn.query("INSERT INTO orders (user_id, status, total) VALUES (?, 'PAID', 1.00), (?, 'SHIPPED', 2.00), (?, 'PENDING', 3.00)", [users[0], users[1], users[2]]);
    await expectExact();
    await conn.query("UPDATE orders SET status = 'CANCELLED' WHERE status = 'PENDING' AND id % 2 = 0");
    await conn.query("UPDATE orders SET status = IF(status = 'PAID', 'SHIPPED', 'PAID') WHERE status IN ('PAID', 'SHIPPED') AND user_id = ?", [users[1]]);
    await expectExact();
    await conn.query('UPDATE orders SET user_id = ? WHERE user_id = ? AND id % 3 = 0', [users[2], users[0]]);
    await conn.query("UPDATE orders SET user_id = ?, status = 'PAID' WHERE user_id = ? AND status = 'SHIPPED'", [users[0], users[2]]);
    await expectExact();
    // order_items go by their cascade; orders are counted by their own trigger.
    await conn.query('DELETE FROM orders WHERE id % 4 = 1');
    await conn.query("DELETE FROM orders WHERE user_id = ? AND status = 'CANCELLED'", [users[1]]);
    await expectExact();
    // A user and a product of their own, and gone again.
    const dan = await insertUser(conn, 'Dan', 'dan@counters.test');
    await insertProduct(conn, 'CUP', 'Cup', '3.00', 1);
    await expectExact();
    await conn.query('DELETE FROM users WHERE id = ?', [dan]);
    await conn.query("DELETE FROM products WHERE sku = 'CUP'");
    await expectExact();
  });

  it('after placeOrder and cancelOrder on both paths', async () => {
    for (const server of [compiled, resolvers]) {
      for (const user of users) {
        const placed = await server.gql(
          'mutation($u: ID!, $p: ID!) { placeOrder(input: { userId: $u, items: [{ productId: $p, quantity: 2 }] }) { id status } }',
          { u: user, p: products[0] },
          await as(user),
        );
        expect(placed.body.errors).toBeUndefined();
        await expectExact();
        const cancelled = await server.gql('mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: placed.body.data.placeOrder.id }, await as(user));
        expect(cancelled.body).toEqual({ data: { cancelOrder: { status: 'CANCELLED' } } });
      }
      await expectExact();
    }
  });

  it('after a bulk import of historical orders, inserted and then replaced', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({
      id: String(10_000 + i),
      userId: users[i % 3],
      status: STATUSES[i % 4],
      items: [{ productId: products[i % 2], quantity: 1 + (i % 3) }],
    }));
    const write = async (list: object[]) => files.write(`orders-${Math.random().toString(36).slice(2)}.ndjson`, list.map((l) => JSON.stringify(l)).join('\n'));
    const first = await runImportCli(base, [await write(lines), '--historical']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    await expectExact();
    // The same ids again, moved to other users and statuses: the import's UPDATE path.
    const moved = lines.map((l, i) => ({ ...l, userId: users[(i + 1) % 3], status: STATUSES[(i + 2) % 4] }));
    const second = await runImportCli(base, [await write(moved), '--historical', '--on-conflict', 'update']);
    expect(second.code).toBe(0);
    await expectExact();
  });

  it('under concurrent writers: placeOrder on both paths, cancelOrder and plain SQL at once, folds running meanwhile, with no deadlock and no error', async () => {
    const tokens = await Promise.all(users.map((u) => as(u)));
    const place = async (server: TestServer, i: number) => {
      const res = await server.gql(
        'mutation($u: ID!, $p: ID!) { placeOrder(input: { userId: $u, items: [{ productId: $p, quantity: 1 }] }) { id } }',
        { u: users[i % 3], p: products[i % 2] },
        tokens[i % 3],
      );
      expect(res.body.errors).toBeUndefined();
      if (i % 4 === 0) {
        const cancel = await server.gql('mutation($id: ID!) { cancelOrder(id: $id) { id } }', { id: res.body.data.placeOrder.id }, tokens[i % 3]);
        expect(cancel.body.errors).toBeUndefined();
      }
    };
    const pool = mysql.createPool({ host: base.database.host, port: base.database.port, user: base.database.user, password: base.database.password, database: base.database.name, connectionLimit: 4 });
    try {
      // A multi-row UPDATE moving many users' orders while single-row INSERTs
      // land among the rows it scans: what deadlocked counters kept in place.
      const plain = async (i: number) => {
        await pool.query("INSERT INTO orders (user_id, status, total) VALUES (?, 'PAID', 1.00)", [users[(i + 1) % 3]]);
        await pool.query("UPDATE orders SET status = 'SHIPPED' WHERE status = 'PAID' AND id % 7 = ?", [i % 7]);
        // Only the orders plain SQL wrote (total 1.00) change hands: the customers' own stay theirs to cancel.
        await pool.query('UPDATE orders SET user_id = ? WHERE user_id = ? AND total = 1.00 AND id % 5 = ?', [users[i % 3], users[(i + 2) % 3], i % 5]);
      };
      for (let round = 0; round < 3; round++) {
        let writing = true;
        let folds = 0;
        const fold = async () => {
          while (writing) {
            await compactCounters(folder);
            folds++;
          }
        };
        const folding = [fold(), fold()];
        try {
          await Promise.all([
            ...Array.from({ length: 40 }, (_, i) => place(i % 2 ? compiled : resolvers, i)),
            ...Array.from({ length: 20 }, (_, i) => plain(i)),
          ]);
        } finally {
          writing = false;
          await Promise.all(folding);
        }
        expect(folds).toBeGreaterThan(0);
        await expectExact();
      }
    } finally {
      await pool.end();
    }
    // Folded to the end: no delta left, and still exact.
    await compactCounters(folder);
    expect(await deltas()).toBe(0);
    await expectExact();
  });

  it('counts are exact before any fold (the deltas are counted), and a fold moves them into the totals', async () => {
    await compactCounters(folder);
    await conn.query("INSERT INTO orders (user_id, status, total) VALUES (?, 'PAID', 1.00), (?, 'PENDING', 1.00)", [users[0], users[1]]);
    await conn.query("UPDATE orders SET status = 'CANCELLED' WHERE user_id = ? AND status = 'PAID'", [users[0]]);
    await insertUser(conn, 'Eve', 'eve@counters.test');
    expect(await deltas()).toBeGreaterThan(3);
    await expectExact();
    expect(await compactCounters(folder)).toBeGreaterThan(3);
    expect(await deltas()).toBe(0);
    await expectExact();
    expect(await compactCounters(folder)).toBe(0);
  });

  it('a fold neither waits for a transaction still open nor makes it wait: its delta is folded after it commits', async () => {
    await compactCounters(folder);
    const open = await sqlConnection(base);
    try {
      await open.query('START TRANSACTION');
      await open.query("INSERT INTO orders (user_id, status, total) VALUES (?, 'PAID', 1.00)", [users[2]]);
      // The open transaction's delta is skipped, not waited for (the fold would hang here otherwise).
      await conn.query("INSERT INTO orders (user_id, status, total) VALUES (?, 'SHIPPED', 1.00)", [users[2]]);
      expect(await compactCounters(folder)).toBe(1);
      // The open transaction goes on writing counted rows after the fold without waiting (1 s bound).
      await open.query('SET SESSION innodb_lock_wait_timeout = 1');
      await open.query("UPDATE orders SET status = 'SHIPPED' WHERE user_id = ? AND status = 'PAID'", [users[2]]);
      await open.query('COMMIT');
      await expectExact();
      expect(await compactCounters(folder)).toBeGreaterThanOrEqual(2);
      expect(await deltas()).toBe(0);
      await expectExact();
    } finally {
      await open.end();
    }
  });
});

describe("the processes' background fold (COUNTER_COMPACT_MS)", () => {
  beforeEach(arrange);

  it('folds every delta within a few ticks while plain SQL keeps writing, counts exact throughout; 0 turns it off', async () => {
    expect(startCounterCompaction(configWith(base, { counterCompactMs: 0 }), createLogger('silent'))).toBeNull();
    await conn.query("INSERT INTO orders (user_id, status, total) VALUES (?, 'PAID', 1.00), (?, 'SHIPPED', 1.00)", [users[0], users[1]]);
    expect(await deltas()).toBeGreaterThan(0);
    const compaction = startCounterCompaction(configWith(base, { counterCompactMs: 50 }), createLogger('silent'))!;
    try {
      for (let i = 0; i < 10; i++) {
        await conn.query("UPDATE orders SET status = 'CANCELLED' WHERE user_id = ? AND status = 'PAID' ORDER BY id LIMIT 1", [users[i % 3]]);
        await expectExact();
      }
      const until = Date.now() + 10_000;
      while ((await deltas()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await deltas()).toBe(0);
      await expectExact();
    } finally {
      await compaction.close();
    }
  });
});

describe('rows read by a counted count', () => {
  beforeAll(async () => {
    await truncateAll(conn);
    const [u] = await conn.query<mysql.ResultSetHeader>(
      `INSERT INTO users (name, email) VALUES ${Array.from({ length: 400 }, (_, i) => `('U${i}', 'u${i}@rows.test')`).join(', ')}`,
    );
    const first = String(u.insertId);
    await conn.query(
      `INSERT INTO orders (user_id, status, total) VALUES ${Array.from({ length: 600 }, (_, i) => `(${i < 300 ? first : `${first} + ${i - 299}`}, '${STATUSES[i % 4]}', 1.00)`).join(', ')}`,
    );
    // As the gateways' background fold leaves them: the totals hold the rows, no delta is left.
    await compactCounters(folder);
    expect(await deltas()).toBe(0);
  });

  /** Rows the server read (session Handler_read_* delta) to run one statement, and its rows. */
  async function rowsRead(text: string, params: unknown[]): Promise<{ read: number; result: unknown }> {
    const sum = async () => (await rows(conn, "SHOW SESSION STATUS LIKE 'Handler_read%'")).reduce((s, r) => s + Number(r.Value), 0);
    const before = await sum();
    const [result] = await conn.query(text, params);
    // SHOW SESSION STATUS reads no handler rows of its own, so the delta is the statement's.
    return { read: (await sum()) - before, result };
  }
  const session: SqlSession = {
    async executeQuery(query) {
      const [result] = await conn.query(query.sql, query.parameters as unknown[]);
      return { rows: result as never[] };
    },
  };
  const connectionPlan = (entity: 'user' | 'order', where: readonly Condition[]): OperationPlan => ({
    operationName: null,
    roots: [{ key: 'c', kind: 'connection', connection: { entity, where, ofParentUser: false, first: 0, afterId: null, parts: [{ key: 'totalCount', part: { kind: 'totalCount' } }] } }],
  });

  it('users { totalCount } and orders(filter: { status }) { totalCount } in the compiled statement read the counter rows, not the table', async () => {
    const users = compileJsonQuery(connectionPlan('user', []));
    expect(users.sql).toContain('user_counts');
    const counted = await rowsRead(users.sql, users.params);
    expect(counted.result).toEqual([{ r0: '{"totalCount":400}' }]);
    expect(counted.read).toBeLessThanOrEqual(3);
    // The same count over the table (what the statement read before the counters).
    expect((await rowsRead('SELECT COUNT(*) AS n FROM users', [])).read).toBeGreaterThanOrEqual(400);

    const paid = compileJsonQuery(connectionPlan('order', orderConditions({ status: 'PAID' }, { kind: 'admin', userId: null } as never)));
    const byStatus = await rowsRead(paid.sql, paid.params);
    expect(byStatus.result).toEqual([{ r0: '{"totalCount":150}' }]);
    expect(byStatus.read).toBeLessThanOrEqual(3);
    expect((await rowsRead("SELECT COUNT(*) AS n FROM orders WHERE status = 'PAID'", [])).read).toBeGreaterThanOrEqual(150);
  });

  it("a user's orders count (User.orders totalCount, orderCount, a customer's own orders) reads one counter row", async () => {
    const [{ id: heavy }] = await rows(conn, 'SELECT MIN(id) AS id FROM users');
    const plan: OperationPlan = {
      operationName: null,
      roots: [
        {
          key: 'u', kind: 'single', entity: 'user', id: String(heavy), where: [], missing: 'notFound', location: null,
          object: {
            entity: 'user',
            fields: [
              { key: 'orderCount', value: { kind: 'orderCount' } },
              { key: 'orders', value: { kind: 'connection', connection: { entity: 'order', where: [], ofParentUser: true, first: 0, afterId: null, parts: [{ key: 'totalCount', part: { kind: 'totalCount' } }] } } },
            ],
          },
        },
      ],
    };
    const query = compileJsonQuery(plan);
    const counted = await rowsRead(query.sql, query.params);
    expect(counted.result).toEqual([{ r0: '{"orderCount":300,"orders":{"totalCount":300}}' }]);
    // The user's row and, per count, one counter row and a probe of the user's deltas (none left).
    expect(counted.read).toBeLessThanOrEqual(5);
    expect((await rowsRead('SELECT COUNT(*) AS n FROM orders WHERE user_id = ?', [heavy])).read).toBeGreaterThanOrEqual(300);

    // The resolvers' count of a customer's own orders (their row rule is user_id = U).
    const own = orderConditions(null, { kind: 'customer', userId: String(heavy) } as never);
    const sum = async () => (await rows(conn, "SHOW SESSION STATUS LIKE 'Handler_read%'")).reduce((s, r) => s + Number(r.Value), 0);
    const at = await sum();
    expect(await countOrders(session, own)).toEqual({ count: 300, minId: expect.any(String) });
    expect((await sum()) - at).toBeLessThanOrEqual(3);
  });

  it("the repositories' counts read the counter rows too, and a filter no counter represents still counts the rows", async () => {
    const sum = async () => (await rows(conn, "SHOW SESSION STATUS LIKE 'Handler_read%'")).reduce((s, r) => s + Number(r.Value), 0);
    let at = await sum();
    expect(await countUsers(session, [])).toEqual({ count: 400, minId: expect.any(String) });
    expect((await sum()) - at).toBeLessThanOrEqual(4);
    at = await sum();
    const admin = { kind: 'admin', userId: null } as never;
    expect((await countOrders(session, orderConditions({ status: 'SHIPPED' }, admin))).count).toBe(150);
    expect((await sum()) - at).toBeLessThanOrEqual(4);
    at = await sum();
    expect((await countOrders(session, orderConditions({ status: 'SHIPPED', createdBefore: '2999-01-01 00:00:00.000' }, admin))).count).toBe(150);
    expect((await sum()) - at).toBeGreaterThanOrEqual(150);
  });
});

describe('the counters migration', () => {
  const NAME = '2026_12_02_0002_counters';
  const PREVIOUS = '2026_12_02_0001_filter_indexes';
  async function withMigrator<T>(fn: (migrator: Migrator) => Promise<T>): Promise<T> {
    const pool = createPool({ host: base.database.host, port: base.database.port, user: base.database.user, password: base.database.password, database: base.database.name, timezone: 'Z' });
    const db = new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
    try {
      return await fn(new Migrator({ db, provider: { getMigrations: async () => migrations } }));
    } finally {
      await db.destroy();
    }
  }
  const objects = async () => ({
    tables: (await rows(conn, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE '%count%' ORDER BY 1")).map((r) => r.t),
    triggers: (await rows(conn, 'SELECT trigger_name AS t FROM information_schema.triggers WHERE trigger_schema = DATABASE() ORDER BY 1')).map((r) => r.t),
  });

  it('goes down (no counter table or trigger left) and up again, its backfill exact while writers change the rows', async () => {
    await arrange();
    const down = await withMigrator((m) => m.migrateTo(PREVIOUS));
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual([[NAME, 'Down', 'Success']]);
    expect(await objects()).toEqual({ tables: [], triggers: [] });
    // Rows written while there are no counters: the backfill must count them.
    await conn.query(`INSERT INTO orders (user_id, status, total) VALUES ${Array.from({ length: 3000 }, (_, i) => `(${users[i % 3]}, '${STATUSES[i % 4]}', 1.00)`).join(', ')}`);
    await conn.query('DELETE FROM orders WHERE id % 5 = 0');

    const writers = mysql.createPool({ host: base.database.host, port: base.database.port, user: base.database.user, password: base.database.password, database: base.database.name, connectionLimit: 3 });
    let migrating = true;
    let writes = 0;
    const write = async (w: number) => {
      while (migrating) {
        await writers.query("INSERT INTO orders (user_id, status, total) VALUES (?, 'PENDING', 1.00)", [users[w]]);
        await writers.query("UPDATE orders SET status = 'PAID' WHERE status = 'PENDING' AND user_id = ? ORDER BY id LIMIT 1", [users[(w + 1) % 3]]);
        await writers.query('DELETE FROM orders WHERE user_id = ? ORDER BY id DESC LIMIT 1', [users[(w + 2) % 3]]);
        writes++;
      }
    };
    const running = [0, 1, 2].map(write);
    try {
      const up = await withMigrator((m) => m.migrateToLatest());
      expect(up.error).toBeUndefined();
      expect(up.results?.map((r) => [r.migrationName, r.status])).toEqual([[NAME, 'Success']]);
    } finally {
      migrating = false;
      await Promise.all(running);
      await writers.end();
    }
    expect(writes).toBeGreaterThan(0);
    expect(await objects()).toEqual({
      tables: ['order_counts', 'order_count_deltas', 'product_counts', 'product_count_deltas', 'user_counts', 'user_count_deltas', 'user_order_counts'],
      triggers: ['orders_count_delete', 'orders_count_insert', 'orders_count_update', 'products_count_delete', 'products_count_insert', 'users_count_delete', 'users_count_insert'],
    });
    await expectExact();
    // The backfill went into the totals, the writers' deltas fold in beside it.
    await compactCounters(folder);
    expect(await deltas()).toBe(0);
    await expectExact();
  });

  it('no foreign key cascade changes a counted table (cascades fire no trigger): every constraint on users, orders and products restricts', async () => {
    const rules = await rows(
      conn,
      "SELECT table_name AS t, referenced_table_name AS r, update_rule AS u, delete_rule AS d FROM information_schema.referential_constraints WHERE constraint_schema = DATABASE() AND table_name IN ('users', 'orders', 'products')",
    );
    expect(rules).toEqual([{ t: 'orders', r: 'users', u: 'RESTRICT', d: 'RESTRICT' }]);
  });
});
