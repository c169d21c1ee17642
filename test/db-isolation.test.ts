// db.transaction(work, { isolation }): the transaction runs at the level it
// asks for (seen in what it reads and in InnoDB's own account of it), the
// level goes out in BEGIN's round trip, and it does not outlive the
// transaction: the connection's next transaction is back at the default.
import type mysql from 'mysql2/promise';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createDb, type Db } from '../src/db/pool.ts';
import type { DirectTransaction, IsolationLevel } from '../src/db/direct.ts';
import { PREPARED } from '../src/db/statement.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';

let config: Config;
let db: Db;
let conn: mysql.Connection;

beforeAll(async () => {
  config = await createTestDatabase('db_isolation');
  // One connection, so every transaction below runs on the same one.
  db = createDb(configWith(config, { dbPoolSize: 1 }));
  conn = await sqlConnection(config);
});
afterAll(async () => {
  await db?.destroy();
  await conn?.end();
});
beforeEach(async () => {
  await truncateAll(conn);
});

const raw = (sql: string) => CompiledQuery.raw(sql);
const countUsers = async (trx: DirectTransaction, prepared = false) =>
  Number((await trx.executeQuery<{ n: string }>(raw(`${prepared ? PREPARED : ''}SELECT COUNT(*) AS n FROM users`))).rows[0]!.n);

/**
 * The isolation level InnoDB reports for the transaction running on this
 * connection. InnoDB refreshes its information_schema copy of the running
 * transactions only when the last read of it is 100 ms old, so a read sooner
 * after the transaction began could see an older copy.
 */
async function levelInside(trx: DirectTransaction): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 150));
  const { rows } = await trx.executeQuery<{ level: string }>(
    raw('SELECT trx_isolation_level AS level FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()'),
  );
  return rows[0]!.level;
}

/** Counts users, lets another connection commit one more, counts again: what the second read sees. */
async function readsAcrossACommit(isolation: IsolationLevel | undefined, prepared = false) {
  return db.transaction(
    async (trx) => {
      const before = await countUsers(trx, prepared);
      await conn.query("INSERT INTO users (name, email) VALUES ('Late', ?)", [`late-${Math.random()}@example.com`]);
      const after = await countUsers(trx, prepared);
      return { before, after, level: await levelInside(trx) };
    },
    isolation ? { isolation } : undefined,
  );
}

describe('db.transaction with an isolation level', () => {
  it('READ COMMITTED sees a row another connection committed meanwhile; the default (REPEATABLE READ) keeps its snapshot', async () => {
    expect(await readsAcrossACommit('READ COMMITTED')).toEqual({ before: 0, after: 1, level: 'READ COMMITTED' });
    expect(await readsAcrossACommit(undefined)).toEqual({ before: 1, after: 1, level: 'REPEATABLE READ' });
  });

  it('holds with a prepared first statement and with commitWith as the only round trip', async () => {
    expect(await readsAcrossACommit('READ COMMITTED', true)).toMatchObject({ before: 0, after: 1, level: 'READ COMMITTED' });
    await db.transaction((trx) => trx.commitWith([raw("INSERT INTO users (name, email) VALUES ('C', 'c@example.com')")]), { isolation: 'READ COMMITTED' });
    expect(await readsAcrossACommit(undefined)).toMatchObject({ level: 'REPEATABLE READ' });
  });

  it('goes out in the same round trip as BEGIN and the first statement, and does not outlive the transaction', async () => {
    const trips: [string, number][] = [];
    const stop = db.stats.onStatement((event) => trips.push([event.sql, event.statements]));
    try {
      await db.transaction((trx) => countUsers(trx), { isolation: 'SERIALIZABLE' });
      await db.transaction((trx) => countUsers(trx, true), { isolation: 'READ COMMITTED' });
    } finally {
      stop();
    }
    expect(trips).toEqual([
      ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN; SELECT COUNT(*) AS n FROM users', 3],
      ['COMMIT', 1],
      // A prepared statement cannot share a batch: the level goes with BEGIN.
      ['SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN', 2],
      [`${PREPARED}SELECT COUNT(*) AS n FROM users`, 1],
      ['COMMIT', 1],
    ]);
    // The same (only) connection, next transaction: the server's default again.
    expect(await readsAcrossACommit(undefined)).toMatchObject({ level: 'REPEATABLE READ' });
  });

  it('a transaction whose work throws before any statement sends nothing, so no level is left pending', async () => {
    const statementsBefore = db.stats.total;
    await expect(db.transaction(async () => Promise.reject(new Error('no')), { isolation: 'READ UNCOMMITTED' })).rejects.toThrow('no');
    expect(db.stats.total).toBe(statementsBefore);
    expect(await readsAcrossACommit(undefined)).toMatchObject({ level: 'REPEATABLE READ' });
  });
});
