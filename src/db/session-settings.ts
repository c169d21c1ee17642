// How every connection of a pool talks to the server: the mysql2 options
// (UTC, exact DECIMAL/BIGINT/DATETIME strings, batches) and the session
// settings each connection sends before its first statement.
import type { PoolConnection, PoolOptions } from 'mysql2';
import type { DatabaseTarget, Limits } from '../config.ts';

/**
 * What every pool connection sets before its first statement:
 * - time_zone UTC, so NOW() defaults are written in UTC;
 * - group_concat_max_len: compiled queries build their JSON with GROUP_CONCAT,
 *   whose 1 MB default would silently cut a large page;
 * - innodb_lock_wait_timeout below the statement limit, so a transaction
 *   waiting on a lock gets ER_LOCK_WAIT_TIMEOUT (retried by the write path)
 *   before max_statement_time would end it as a TIMEOUT;
 * - sql_mode without NO_BACKSLASH_ESCAPES: mysql2 escapes the values of text
 *   statements with backslashes, which that mode would turn into literal
 *   characters, and a quote in a value would then end its string; with
 *   multipleStatements that would be a stacked statement. Whatever the server's
 *   global mode, a value stays a value.
 */
export function sessionSettings(statementTimeoutMs: number): string {
  const lockWait = Math.max(1, Math.min(50, Math.ceil(statementTimeoutMs / 1000) - 1));
  const sqlMode = "TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";
  return `SET time_zone = '+00:00', group_concat_max_len = 67108864, innodb_lock_wait_timeout = ${lockWait}, sql_mode = ${sqlMode}`;
}

/** Sends the session settings and the server-side statement limit, queued before any statement of the borrower. */
export function prepareConnection(connection: PoolConnection, statementTimeoutMs: number): void {
  connection.query(sessionSettings(statementTimeoutMs));
  // MariaDB's max_statement_time, else MySQL's max_execution_time: a runaway read is stopped by the server itself.
  const seconds = (statementTimeoutMs / 1000).toFixed(3);
  connection.query(`SET SESSION max_statement_time = ${seconds}`, (err) => {
    if (err) connection.query(`SET SESSION max_execution_time = ${statementTimeoutMs}`, () => {});
  });
}

export function poolOptions(target: DatabaseTarget, size: number, limits: Pick<Limits, 'poolWaitMs'>): PoolOptions {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.name,
    connectionLimit: size,
    maxIdle: size,
    // Unbounded queue on the driver side; the wait is bounded by server-pool.ts.
    queueLimit: 0,
    waitForConnections: true,
    connectTimeout: Math.min(10_000, limits.poolWaitMs + 1000),
    enableKeepAlive: true,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    // Prepared statements per connection (LRU): far below the server's
    // max_prepared_stmt_count (16,382 by default) across the whole pool.
    maxPreparedStatements: 256,
    // Batches of statements in one round trip (DirectTransaction: BEGIN with
    // the first statement, the writes with COMMIT), which roughly halved
    // placeOrder's CPU on both sides of the wire. Safe here because no SQL
    // text of this code base ever carries a client's value: every value is a
    // bound `?` parameter (escaped by mysql2 for text statements), and what
    // the compiled path writes into the text (names, JSON punctuation) is
    // chosen by the planner and quoted by lit(). test/db-direct.test.ts sends
    // stacked statements in values on every path and checks nothing ran.
    multipleStatements: true,
  };
}
