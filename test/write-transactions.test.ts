// transactionWithRetry: work that lost a deadlock or a lock wait runs again,
// each failed attempt rolled back, a bounded number of times; then a clear
// SERVICE_UNAVAILABLE. Other errors are never retried. The same holds for
// statements built with Kysely and for the batched ones placeOrder sends.
import { CompiledQuery } from 'kysely';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createDb, type Db } from '../src/db/pool.ts';
import { qb, run } from '../src/db/query-builder.ts';
import { DEFAULT_ATTEMPTS, transactionWithRetry } from '../src/db/transaction.ts';
import { ServiceUnavailableError } from '../src/errors.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { rows } from './support/fixtures.ts';

let config: Config;
let db: Db;
let conn: mysql.Connection;

beforeAll(async () => {
  config = await createTestDatabase('write_transactions');
  db = createDb(config);
  conn = await sqlConnection(config);
});

afterAll(async () => {
  await db?.destroy();
  await conn?.end();
});

beforeEach(async () => {
  await truncateAll(conn);
});

/** What mysql2 throws when InnoDB picked this transaction as a deadlock's victim. */
function driverError(code: string, errno: number): Error {
  return Object.assign(new Error(`${code} from the server`), { code, errno });
}

describe('transactionWithRetry', () => {
  it('work that keeps losing deadlocks runs 4 times, every attempt rolled back, then SERVICE_UNAVAILABLE naming the contention', async () => {
    let attempts = 0;
    const failure = transactionWithRetry(
      db,
      async (trx) => {
        attempts++;
        await run(trx, qb.insertInto('users').values({ name: `attempt ${attempts}`, email: `a${attempts}@x.io` }));
        throw driverError('ER_LOCK_DEADLOCK', 1213);
      },
      { failure: 'the order could not be placed', baseDelayMs: 1 },
    );
    await expect(failure).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(failure).rejects.toThrow(/^The order could not be placed because of contention .*; retry\.$/);
    expect(attempts).toBe(DEFAULT_ATTEMPTS);
    expect(DEFAULT_ATTEMPTS).toBe(4);
    expect(await rows(conn, 'SELECT * FROM users')).toEqual([]);
  });

  it('work that loses one lock wait runs again and its second attempt commits alone', async () => {
    const retried: string[] = [];
    let attempts = 0;
    const result = await transactionWithRetry(
      db,
      async (trx) => {
        attempts++;
        await run(trx, qb.insertInto('users').values({ name: `attempt ${attempts}`, email: `a${attempts}@x.io` }));
        if (attempts === 1) throw driverError('ER_LOCK_WAIT_TIMEOUT', 1205);
        return 'done';
      },
      { failure: 'x', baseDelayMs: 1, onRetry: (_attempt, code) => retried.push(code) },
    );
    expect(result).toBe('done');
    expect(retried).toEqual(['ER_LOCK_WAIT_TIMEOUT']);
    expect(await rows(conn, 'SELECT name FROM users')).toEqual([{ name: 'attempt 2' }]);
  });

  it('any other error, such as a duplicate key, is thrown at once and rolled back', async () => {
    let attempts = 0;
    const failure = transactionWithRetry(
      db,
      async (trx) => {
        attempts++;
        await run(trx, qb.insertInto('users').values({ name: 'one', email: 'same@x.io' }));
        await run(trx, qb.insertInto('users').values({ name: 'two', email: 'same@x.io' }));
      },
      { failure: 'x', baseDelayMs: 1 },
    );
    await expect(failure).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(attempts).toBe(1);
    expect(await rows(conn, 'SELECT * FROM users')).toEqual([]);
  });
});

describe('transactionWithRetry with raw statements (as placeOrder sends them)', () => {
  it('a real lock wait past innodb_lock_wait_timeout is retried, and the next attempt commits', async () => {
    // statementTimeoutMs 2000 sets the session's innodb_lock_wait_timeout to 1 s.
    const quick = createDb(configWith(config, { limits: { statementTimeoutMs: 2000 } }));
    try {
      await conn.query("INSERT INTO users (name, email) VALUES ('L', 'l@x.io')");
      await conn.query('BEGIN');
      await conn.query("SELECT * FROM users WHERE email = 'l@x.io' FOR UPDATE");
      const retried: string[] = [];
      const result = await transactionWithRetry(
        quick,
        async (trx) => {
          await trx.executeQuery(CompiledQuery.raw("UPDATE users SET name = 'won' WHERE email = 'l@x.io'"));
          return 'done';
        },
        {
          failure: 'x',
          baseDelayMs: 1,
          onRetry: (_attempt, code) => {
            retried.push(code);
            void conn.query('COMMIT');
          },
        },
      );
      expect(result).toBe('done');
      expect(retried).toEqual(['ER_LOCK_WAIT_TIMEOUT']);
      expect(await rows(conn, 'SELECT name FROM users')).toEqual([{ name: 'won' }]);
      expect(quick.poolUsage().inUse).toBe(0);
    } finally {
      await conn.query('ROLLBACK');
      await quick.destroy();
    }
  });

  it('work that keeps losing deadlocks runs 4 times, every attempt rolled back, then SERVICE_UNAVAILABLE', async () => {
    let attempts = 0;
    const failure = transactionWithRetry(
      db,
      async (trx) => {
        attempts++;
        await trx.executeQuery(CompiledQuery.raw('INSERT INTO users (name, email) VALUES (?, ?)', [`attempt ${attempts}`, `a${attempts}@x.io`]));
        throw driverError('ER_LOCK_DEADLOCK', 1213);
      },
      { failure: 'the order could not be placed', baseDelayMs: 1 },
    );
    await expect(failure).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(attempts).toBe(DEFAULT_ATTEMPTS);
    expect(await rows(conn, 'SELECT * FROM users')).toEqual([]);
    expect(db.poolUsage().inUse).toBe(0);
  });
});
