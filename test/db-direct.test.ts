// The one way statements reach the database (db/direct.ts behind the Db of
// db/pool.ts: db.executeQuery, db.transaction), for SQL held as text and for
// queries built with Kysely (db/query-builder.ts) alike: rows as a plain mysql2
// connection gives them, counted per request, bounded by the pool wait and the
// statement time limit, driver failures mapped to TIMEOUT / SERVICE_UNAVAILABLE,
// and a transaction that commits all or nothing and always gives its connection back.
import type mysql from 'mysql2/promise';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { isPlainRead, writtenTable } from '../src/db/direct.ts';
import { createDb, type Db } from '../src/db/pool.ts';
import { all, qb } from '../src/db/query-builder.ts';
import { sessionSettings } from '../src/db/session-settings.ts';
import { PREPARED } from '../src/db/statement.ts';
import type { RequestScope } from '../src/db/stats.ts';
import { ServiceUnavailableError, TimeoutError } from '../src/errors.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';
import { rows } from './support/fixtures.ts';

let config: Config;
let db: Db;
let conn: mysql.Connection;
const extra: Db[] = [];

beforeAll(async () => {
  config = await createTestDatabase('db_direct');
  db = createDb(config);
  conn = await sqlConnection(config);
});

afterAll(async () => {
  await Promise.all(extra.map((d) => d.destroy()));
  await db?.destroy();
  await conn?.end();
});

beforeEach(async () => {
  await truncateAll(conn);
});

const raw = (sql: string, params: unknown[] = []) => CompiledQuery.raw(sql, params);
const scopeOf = (): RequestScope => ({ requestId: 'r', statements: 0, sqlMs: 0 });

/** Another Db on the same database with these limits (destroyed after the file). */
function dbWith(limits: Partial<Config['limits']>, poolSize?: number): Db {
  const other = createDb(configWith(config, { limits, ...(poolSize ? { dbPoolSize: poolSize } : {}) }));
  extra.push(other);
  return other;
}

describe('db.executeQuery', () => {
  it('gives the same rows as a plain mysql2 connection, DECIMAL/BIGINT/DATETIME as exact strings, by text, as a prepared statement or built by Kysely', async () => {
    await conn.query("INSERT INTO products (sku, name, price, stock, created_at) VALUES ('S-1', 'One', 12.30, 7, '2026-01-02 03:04:05.678')");
    const sql = 'SELECT id, name, price, stock, created_at FROM products WHERE sku = ?';
    const [plain] = await conn.query(sql, ['S-1']);
    const direct = await db.executeQuery(raw(sql, ['S-1']));
    const prepared = await db.executeQuery(raw(PREPARED + sql, ['S-1']));
    const built = await all(db, qb.selectFrom('products').select(['id', 'name', 'price', 'stock', 'created_at']).where('sku', '=', 'S-1'));
    expect(direct.rows).toEqual(plain);
    expect(prepared.rows).toEqual(plain);
    expect(built).toEqual(plain);
    expect(direct.rows).toEqual([{ id: expect.any(String), name: 'One', price: '12.30', stock: 7, created_at: '2026-01-02 03:04:05.678' }]);
    expect(await db.executeQuery(raw(sql, ['none']))).toEqual({ rows: [] });
  });

  it('an INSERT gives insertId and numAffectedRows as bigints, as Kysely does', async () => {
    const result = await db.executeQuery(raw("INSERT INTO users (name, email) VALUES ('A', 'a@x.io'), ('B', 'b@x.io')"));
    const [first] = await rows(conn, "SELECT MIN(id) AS id FROM users");
    expect(result.insertId).toBe(BigInt(String(first!.id)));
    expect(result.numAffectedRows).toBe(2n);
    expect(result.rows).toEqual([]);
  });

  it('counts each statement in the request scope that sent it and in the totals, failures too', async () => {
    const scope = scopeOf();
    const before = db.stats.total;
    const failedBefore = db.stats.failed;
    await db.stats.runInScope(scope, async () => {
      await Promise.all([db.executeQuery(raw('SELECT 1')), db.executeQuery(raw(PREPARED + 'SELECT ?', [2]))]);
      await expect(db.executeQuery(raw('SELECT * FROM no_such_table'))).rejects.toMatchObject({ code: 'ER_NO_SUCH_TABLE' });
    });
    // A statement sent outside any scope is counted only in the totals.
    await db.executeQuery(raw('SELECT 1'));
    expect(scope.statements).toBe(3);
    expect(scope.sqlMs).toBeGreaterThan(0);
    expect(db.stats.total - before).toBe(4);
    expect(db.stats.failed - failedBefore).toBe(1);
    expect(db.stats.inFlight).toBe(0);
  });

  it('a statement past the statement time limit is TIMEOUT, and the pool goes on working', async () => {
    const slow = dbWith({ statementTimeoutMs: 300 });
    await expect(slow.executeQuery(raw('SELECT SLEEP(2)'))).rejects.toBeInstanceOf(TimeoutError);
    expect((await slow.executeQuery(raw('SELECT 41 + 1 AS n'))).rows).toEqual([{ n: 42 }]);
  });

  it('waits for a free connection no longer than the pool wait limit: SERVICE_UNAVAILABLE', async () => {
    const small = dbWith({ poolWaitMs: 200 }, 1);
    let release!: () => void;
    const held = small.transaction(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await expect(small.executeQuery(raw('SELECT 1'))).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    release();
    await held;
    expect((await small.executeQuery(raw('SELECT 1 AS n'))).rows).toEqual([{ n: 1 }]);
  });

  it('a request already past its time limit gets no connection and sends nothing', async () => {
    const scope: RequestScope = { ...scopeOf(), timedOut: true };
    const before = db.stats.total;
    await db.stats.runInScope(scope, async () => {
      await expect(db.executeQuery(raw('SELECT 1'))).rejects.toBeInstanceOf(TimeoutError);
      await expect(db.transaction(async () => 'never')).rejects.toBeInstanceOf(TimeoutError);
    });
    expect(db.stats.total).toBe(before);
  });

  it('an unreachable database is SERVICE_UNAVAILABLE', async () => {
    const nowhere = createDb(configWith(config, { databaseUrl: 'mysql://root@127.0.0.1:1/nowhere', limits: { poolWaitMs: 500 } }));
    extra.push(nowhere);
    await expect(nowhere.executeQuery(raw('SELECT 1'))).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(nowhere.transaction(async () => 1)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});

describe('the driver-side statement bound (StatementWatchdog)', () => {
  it('ends statements whose answer never comes (stalled network) in TIMEOUT on every path, then the pool serves again', async () => {
    const proxy = await startTcpProxy({ host: config.database.host, port: config.database.port });
    const url = new URL(config.databaseUrl);
    url.port = String(proxy.port);
    // Driver bound: 300 ms + the 1 s margin past the server's own limit.
    const stalled = createDb(configWith(config, { databaseUrl: url.toString(), limits: { statementTimeoutMs: 300, poolWaitMs: 5000 } }));
    try {
      // Three connections open before the stall, so each statement below has one (opening one would be SERVICE_UNAVAILABLE).
      await Promise.all([1, 2, 3].map(() => stalled.executeQuery(raw('SELECT SLEEP(0.05)'))));
      expect(stalled.poolUsage().total).toBe(3);
      proxy.stall();
      const started = performance.now();
      const outcomes = await Promise.allSettled([
        stalled.executeQuery(raw('SELECT 2')),
        all(stalled, qb.selectFrom('users').select('id')),
        stalled.transaction((trx) => trx.executeQuery(raw("INSERT INTO users (name, email) VALUES ('S', 's@x.io')"))),
      ]);
      const elapsed = performance.now() - started;
      expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).constructor.name : 'fulfilled'))).toEqual([
        'TimeoutError',
        'TimeoutError',
        'TimeoutError',
      ]);
      expect(elapsed).toBeGreaterThanOrEqual(1250);
      expect(elapsed).toBeLessThan(3000);
      proxy.resume();
      for (let i = 0; i < 6; i++) expect((await stalled.executeQuery(raw('SELECT 3 AS n'))).rows).toEqual([{ n: 3 }]);
      expect(stalled.poolUsage()).toMatchObject({ inUse: 0, waiting: 0 });
      expect(stalled.stats.inFlight).toBe(0);
    } finally {
      proxy.resume();
      await stalled.destroy();
      await proxy.close();
    }
  });
});

describe('db.transaction', () => {
  it('commits the work and returns its value; BEGIN and COMMIT are counted statements', async () => {
    const scope = scopeOf();
    const id = await db.stats.runInScope(scope, () =>
      db.transaction(async (trx) => {
        const inserted = await trx.executeQuery(raw("INSERT INTO users (name, email) VALUES ('T', 't@x.io')"));
        await trx.executeQuery(raw(PREPARED + 'UPDATE users SET name = ? WHERE id = ?', ['T2', String(inserted.insertId)]));
        return String(inserted.insertId);
      }),
    );
    expect(await rows(conn, 'SELECT id, name FROM users')).toEqual([{ id, name: 'T2' }]);
    expect(scope.statements).toBe(4);
    expect(db.poolUsage().inUse).toBe(0);
  });

  it('a throwing work is rolled back entirely and its error comes out unchanged', async () => {
    const failure = new Error('refused by a rule');
    await expect(
      db.transaction(async (trx) => {
        await trx.executeQuery(raw("INSERT INTO users (name, email) VALUES ('T', 't@x.io')"));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await rows(conn, 'SELECT * FROM users')).toEqual([]);
    expect(db.poolUsage().inUse).toBe(0);
  });

  it('a failing statement (duplicate key) rolls back the statements before it', async () => {
    await conn.query("INSERT INTO users (name, email) VALUES ('Old', 'old@x.io')");
    await expect(
      db.transaction(async (trx) => {
        await trx.executeQuery(raw("INSERT INTO users (name, email) VALUES ('New', 'new@x.io')"));
        await trx.executeQuery(raw("INSERT INTO users (name, email) VALUES ('Dup', 'old@x.io')"));
      }),
    ).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(await rows(conn, 'SELECT name FROM users')).toEqual([{ name: 'Old' }]);
    expect(db.poolUsage().inUse).toBe(0);
  });

  it('holds its row locks until it ends: a concurrent writer waits for the commit', async () => {
    await conn.query("INSERT INTO products (sku, name, price, stock) VALUES ('L', 'Locked', 1.00, 10)");
    const order: string[] = [];
    let proceed!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const first = db.transaction(async (trx) => {
      await trx.executeQuery(raw("SELECT stock FROM products WHERE sku = 'L' FOR UPDATE"));
      locked();
      await new Promise<void>((resolve) => (proceed = resolve));
      await trx.executeQuery(raw("UPDATE products SET stock = stock - 1 WHERE sku = 'L'"));
      order.push('first committed');
    });
    await isLocked;
    const second = db.transaction(async (trx) => {
      const { rows: [row] } = await trx.executeQuery<{ stock: number }>(raw("SELECT stock FROM products WHERE sku = 'L' FOR UPDATE"));
      order.push(`second read ${row!.stock}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    proceed();
    await Promise.all([first, second]);
    expect(order).toEqual(['first committed', 'second read 9']);
  });
});

describe('multipleStatements (for the transaction batches): a value never becomes a statement', () => {
  const attacks = ["x'); DELETE FROM users; SELECT ('", "x\\'; DELETE FROM users; -- ", 'x"; DELETE FROM users; -- ', "x'; COMMIT; DROP TABLE orders; -- "];

  it('values holding stacked statements stay data on the direct, prepared, Kysely and batch paths', async () => {
    await conn.query("INSERT INTO users (name, email) VALUES ('Keep', 'keep@x.io')");
    for (const [i, attack] of attacks.entries()) {
      expect((await db.executeQuery(raw('SELECT ? AS v', [attack]))).rows).toEqual([{ v: attack }]);
      expect((await db.executeQuery(raw(PREPARED + 'SELECT ? AS v', [attack]))).rows).toEqual([{ v: attack }]);
      expect(await all(db, qb.selectFrom('users').select('id').where('name', '=', attack))).toEqual([]);
      await db.transaction(async (trx) => {
        // The first text statement goes in one batch with BEGIN; commitWith batches the rest with COMMIT.
        expect((await trx.executeQuery(raw('SELECT ? AS v', [attack]))).rows).toEqual([{ v: attack }]);
        await trx.commitWith([raw('INSERT INTO users (name, email) VALUES (?, ?)', [attack, `attack${i}@x.io`]), raw('SELECT ? AS v', [attack])]);
      });
    }
    const names = (await rows(conn, 'SELECT name FROM users ORDER BY id')).map((r) => r.name);
    expect(names).toEqual(['Keep', ...attacks]);
    expect(await rows(conn, "SHOW TABLES LIKE 'orders'")).toHaveLength(1);
  });

  it('every pool connection drops NO_BACKSLASH_ESCAPES from its sql_mode, keeping the rest (mysql2 escapes with backslashes)', async () => {
    const session = await sqlConnection(config);
    try {
      await session.query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT')");
      const [[before]] = (await session.query('SELECT @@SESSION.sql_mode AS mode')) as any;
      expect(before.mode).toContain('NO_BACKSLASH_ESCAPES');
      await session.query(sessionSettings(config.limits.statementTimeoutMs));
      const [[after]] = (await session.query('SELECT @@SESSION.sql_mode AS mode')) as any;
      expect(after.mode.split(',')).toEqual(before.mode.split(',').filter((m: string) => m !== 'NO_BACKSLASH_ESCAPES'));
      // The attack that mode would let through, on this very session, stays data.
      const attack = "x\\'; DELETE FROM users; -- ";
      const [[echo]] = (await session.query('SELECT ? AS v', [attack])) as any;
      expect(echo.v).toBe(attack);
      await session.query("SET SESSION sql_mode = ''");
      await session.query(sessionSettings(config.limits.statementTimeoutMs));
      const [[empty]] = (await session.query('SELECT @@SESSION.sql_mode AS mode')) as any;
      expect(empty.mode).toBe('');
    } finally {
      await session.end();
    }
    const [{ mode }] = (await db.executeQuery(raw("SELECT @@SESSION.sql_mode AS mode"))).rows as [{ mode: string }];
    expect(mode).not.toContain('NO_BACKSLASH_ESCAPES');
  });

  it('commitWith: a failing statement stops the batch before COMMIT, and nothing of the transaction stays', async () => {
    await conn.query("INSERT INTO users (name, email) VALUES ('Old', 'old@x.io')");
    const scope = scopeOf();
    await expect(
      db.stats.runInScope(scope, () =>
        db.transaction(async (trx) => {
          await trx.executeQuery(raw("UPDATE users SET name = 'Changed' WHERE email = 'old@x.io'"));
          await trx.commitWith([
            raw("INSERT INTO users (name, email) VALUES ('New', 'new@x.io')"),
            raw("INSERT INTO users (name, email) VALUES ('Dup', 'old@x.io')"),
            raw("INSERT INTO users (name, email) VALUES ('After', 'after@x.io')"),
          ]);
        }),
      ),
    ).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(await rows(conn, 'SELECT name FROM users')).toEqual([{ name: 'Old' }]);
    // BEGIN + UPDATE, the batch of three and COMMIT, then ROLLBACK.
    expect(scope.statements).toBe(2 + 4 + 1);
    expect(db.poolUsage().inUse).toBe(0);
  });

  it('commitWith gives each statement its result, insertId included', async () => {
    const results = await db.transaction((trx) =>
      trx.commitWith([raw("INSERT INTO users (name, email) VALUES ('A', 'a@x.io')"), raw("UPDATE users SET name = 'B' WHERE email = 'a@x.io'")]),
    );
    const [row] = await rows(conn, 'SELECT id, name FROM users');
    expect(results[0]!.insertId).toBe(BigInt(row.id));
    expect(results[1]!.numAffectedRows).toBe(1n);
    expect(row.name).toBe('B');
  });
});

describe('what may go to a read replica', () => {
  it('plain SELECTs only: not locking reads, not writes; a write names its table', () => {
    expect(isPlainRead('select `id` from `users` where `id` in (?)')).toBe(true);
    expect(isPlainRead(`${PREPARED}SELECT CONCAT('{', t1.id) AS r0 FROM users t1 WHERE t1.id = ?`)).toBe(true);
    expect(isPlainRead('SELECT id FROM products WHERE id IN (?) ORDER BY id FOR UPDATE')).toBe(false);
    expect(isPlainRead('select * from orders where id = ? lock in share mode')).toBe(false);
    expect(isPlainRead('insert into `users` (`name`, `email`) values (?, ?)')).toBe(false);
    expect(isPlainRead('BEGIN')).toBe(false);
    expect(writtenTable('insert into `users` (`name`) values (?)')).toBe('users');
    expect(writtenTable(`${PREPARED}UPDATE products SET stock = CASE id WHEN ? THEN stock END WHERE id IN (?)`)).toBe('products');
    expect(writtenTable('DELETE FROM order_items WHERE order_id = ?')).toBe('order_items');
    expect(writtenTable('SELECT 1')).toBeNull();
  });
});
