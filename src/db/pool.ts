// The mysql2 pool behind Kysely, and the one place where driver behaviour is
// decided: UTC on both sides, DECIMAL/BIGINT/DATETIME as exact strings, a
// bounded wait for a pool connection, per-statement time limits, statement
// counting, and driver failures turned into SERVICE_UNAVAILABLE / TIMEOUT.
import mysql from 'mysql2';
import type { Pool, PoolConnection } from 'mysql2';
import {
  CompiledQuery,
  Kysely,
  MysqlDialect,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { Config } from '../config.ts';
import { ServiceUnavailableError, TimeoutError } from '../errors.ts';
import type { Database } from './database.ts';
import { Deadlines, type Deadline } from '../deadlines.ts';
import { SqlStats, type RequestScope } from './stats.ts';

/**
 * What the hot paths need to send SQL they already hold as text. Kysely, a
 * Kysely transaction and the direct runners below all fit it, so the same
 * statements run through either.
 */
export interface SqlSession {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/**
 * A transaction of db.transaction. Round trips are what a short write
 * transaction spends most on, on both sides of the wire (bench/RESULTS.md), so:
 * - BEGIN is not sent on its own: it goes in one round trip with the first
 *   text statement (a PREPARED first statement gets its own BEGIN before it);
 * - commitWith sends its statements and COMMIT as one batch. The server stops
 *   a batch at its first error, so COMMIT runs only if every statement before
 *   it succeeded; otherwise the error comes back and the work is rolled back.
 */
export interface DirectTransaction extends SqlSession {
  /** Runs these text statements and COMMIT in one round trip; their results, in order. */
  commitWith(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]>;
}

export interface Db {
  readonly kysely: Kysely<Database>;
  /**
   * One statement straight on a pool connection, without Kysely's layers:
   * for compiled queries, whose SQL is already text. Counted, time-bounded
   * and mapped exactly as statements sent through Kysely.
   */
  readonly direct: SqlSession;
  /**
   * Runs `work` in one transaction on one pool connection, with the same
   * direct sending: BEGIN, the work's statements, COMMIT; ROLLBACK when the
   * work throws (the connection is dropped if even that fails).
   */
  transaction<T>(work: (trx: DirectTransaction) => Promise<T>): Promise<T>;
  readonly stats: SqlStats;
  readonly pool: Pool;
  /** Resolves true when the database answers `SELECT 1` within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Pool connections: in use and requests waiting for one. */
  poolUsage(): { total: number; inUse: number; idle: number; waiting: number };
  destroy(): Promise<void>;
}

/** Driver codes meaning "the database is not reachable right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'POOL_CLOSED',
]);
/** MariaDB max_statement_time, MySQL max_execution_time, driver-side timeout. */
const TIMEOUT_CODES = new Set(['ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT', 'PROTOCOL_SEQUENCE_TIMEOUT']);
/** mysql2 has no name for MariaDB's 1969 (max_statement_time exceeded): its `code` is undefined. */
const TIMEOUT_ERRNOS = new Map([
  [1969, 'ER_STATEMENT_TIMEOUT'],
  [3024, 'ER_QUERY_TIMEOUT'],
]);
/** The driver-side bound sits this far past the server-side one, which should always fire first. */
const DRIVER_TIMEOUT_MARGIN_MS = 1000;

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

/** True for a driver code meaning the database cannot be reached (start-up retries these). */
export function isUnreachableCode(code: string | null): boolean {
  return code !== null && UNAVAILABLE_CODES.has(code);
}

export function driverErrorCode(error: unknown): string | null {
  if (error && typeof error === 'object') {
    if ('code' in error && typeof error.code === 'string') return error.code;
    if ('errno' in error && typeof error.errno === 'number') return TIMEOUT_ERRNOS.get(error.errno) ?? `ERRNO_${error.errno}`;
  }
  return null;
}

/** Turns driver failures a client can act on into typed errors; the rest pass unchanged. */
export function mapDriverError(error: unknown): unknown {
  if (error instanceof ServiceUnavailableError || error instanceof TimeoutError) return error;
  const code = driverErrorCode(error);
  if (code !== null && TIMEOUT_CODES.has(code)) {
    return withCause(new TimeoutError('A database statement ran past its time limit.'), error);
  }
  const fatal = !!(error && typeof error === 'object' && 'fatal' in error && error.fatal);
  if ((code !== null && UNAVAILABLE_CODES.has(code)) || (fatal && code !== 'PROTOCOL_SEQUENCE_TIMEOUT')) {
    return withCause(new ServiceUnavailableError(), error);
  }
  return error;
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}

export function createDb(config: Config, stats = new SqlStats()): Db {
  const { database, limits } = config;
  const pool = mysql.createPool({
    host: database.host,
    port: database.port,
    user: database.user,
    password: database.password,
    database: database.name,
    connectionLimit: config.dbPoolSize,
    maxIdle: config.dbPoolSize,
    // Unbounded queue on the driver side; the wait is bounded in getConnection below.
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
    // json-query writes into the text (names, JSON punctuation) is chosen by
    // the planner and quoted by lit(). test/db-direct.test.ts sends stacked
    // statements in values on every path and checks nothing ran.
    multipleStatements: true,
  });
  pool.on('connection', (connection) => {
    // Queued before any statement of the borrower (see sessionSettings); a
    // runaway read is stopped by the server itself.
    connection.query(sessionSettings(limits.statementTimeoutMs));
    const seconds = (limits.statementTimeoutMs / 1000).toFixed(3);
    connection.query(`SET SESSION max_statement_time = ${seconds}`, (err) => {
      if (err) connection.query(`SET SESSION max_execution_time = ${limits.statementTimeoutMs}`, () => {});
    });
  });
  // Without a listener a lost idle connection would be an uncaught 'error'.
  pool.on('error' as 'connection', () => {});

  const watchdog = new StatementWatchdog(limits.statementTimeoutMs + DRIVER_TIMEOUT_MARGIN_MS);
  // mysql2 keeps these as internal arrays/queues; read defensively.
  const internal = pool as unknown as {
    _allConnections?: { length: number };
    _freeConnections?: { length: number };
    _connectionQueue?: { length: number };
  };
  const freeConnections = () => internal._freeConnections?.length ?? 0;
  const boundedPool = {
    getConnection(callback: (error: unknown, connection: PoolConnection) => void) {
      // A free connection is handed over at once: no wait to bound.
      if (freeConnections() > 0) {
        pool.getConnection((error, connection) => {
          if (connection) patchConnection(connection, watchdog);
          callback(error, connection);
        });
        return;
      }
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(new ServiceUnavailableError('No database connection became free in time; try again shortly.'), undefined as never);
      }, limits.poolWaitMs);
      pool.getConnection((error, connection) => {
        if (settled) {
          connection?.release();
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (connection) patchConnection(connection, watchdog);
        callback(error, connection);
      });
    },
    end(callback: (error: unknown) => void) {
      pool.end(callback);
    },
  };

  const dialect = new InstrumentedDialect(new MysqlDialect({ pool: boundedPool }), stats);
  const kysely = new Kysely<Database>({ dialect });

  // The direct runners: the same pool, bound, counting and error mapping as
  // the Kysely path, with one promise per statement instead of Kysely's
  // layers of async functions (each promise costs, more so under the
  // AsyncLocalStorage of the request scope).
  type Done<R> = (error: unknown, result?: QueryResult<R>) => void;
  const acquire = (done: (error: unknown, connection?: PoolConnection) => void) => {
    // As InstrumentedDriver.acquireConnection: a request past its time limit gets no connection.
    if (stats.currentScope()?.timedOut) return done(new TimeoutError());
    boundedPool.getConnection((error, connection) => (error ? done(mapDriverError(error)) : done(null, connection)));
  };
  const run = <R>(connection: PoolConnection, query: CompiledQuery, scope: RequestScope | undefined, done: Done<R>, statements = 1) => {
    const start = performance.now();
    stats.started();
    sendStatement(connection, query.sql, query.parameters, watchdog, (error, result) => {
      stats.finishedIn(scope, query.sql, performance.now() - start, error ? (driverErrorCode(error) ?? 'ERROR') : null, statements);
      if (error) done(mapDriverError(error));
      // A batch's result is the list of its statements' results, handed on as it is.
      else done(null, statements > 1 ? ({ rows: result } as QueryResult<R>) : toQueryResult<R>(result));
    });
  };
  const settle = <R>(resolve: (result: QueryResult<R>) => void, reject: (error: unknown) => void): Done<R> =>
    (error, result) => (error ? reject(error) : resolve(result!));
  const direct: SqlSession = {
    executeQuery<R>(query: CompiledQuery<R>) {
      return new Promise<QueryResult<R>>((resolve, reject) => {
        const scope = stats.currentScope();
        acquire((error, connection) => {
          if (error) return reject(error);
          run<R>(connection!, query, scope, (failure, result) => {
            connection!.release();
            settle(resolve, reject)(failure, result);
          });
        });
      });
    },
  };

  return {
    kysely,
    direct,
    async transaction(work) {
      const scope = stats.currentScope();
      const connection = await new Promise<PoolConnection>((resolve, reject) =>
        acquire((error, borrowed) => (error ? reject(error) : resolve(borrowed!))),
      );
      const send = <R>(query: CompiledQuery<R>, statements = 1) =>
        new Promise<QueryResult<R>>((resolve, reject) => run<R>(connection, query, scope, settle(resolve, reject), statements));
      let begun = false;
      let committed = false;
      const trx: DirectTransaction = {
        async executeQuery<R>(query: CompiledQuery<R>) {
          if (begun) return send(query);
          begun = true;
          if (query.sql.startsWith(PREPARED)) {
            await send(BEGIN);
            return send(query);
          }
          const [, result] = (await send(batch([BEGIN, query]), 2)).rows as unknown as [unknown, unknown];
          return toQueryResult<R>(result);
        },
        async commitWith(queries) {
          if (!begun) await send(BEGIN);
          begun = true;
          const { rows } = await send(batch([...queries, COMMIT]), queries.length + 1);
          committed = true;
          return (rows as unknown[]).slice(0, queries.length).map((result) => toQueryResult(result));
        },
      };
      try {
        const result = await work(trx);
        if (begun && !committed) await send(COMMIT);
        return result;
      } catch (error) {
        // Left in an unknown state when even the rollback fails: the pool gets a fresh connection instead.
        if (begun && !committed) await send(ROLLBACK).catch(() => connection.destroy());
        throw error;
      } finally {
        connection.release();
      }
    },
    stats,
    pool,
    async ping(timeoutMs = 1000) {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        pool.query({ sql: 'SELECT 1', timeout: timeoutMs }, (err) => {
          clearTimeout(timer);
          resolve(!err);
        });
      });
    },
    poolUsage() {
      const total = internal._allConnections?.length ?? 0;
      const idle = internal._freeConnections?.length ?? 0;
      return { total, idle, inUse: total - idle, waiting: internal._connectionQueue?.length ?? 0 };
    },
    async destroy() {
      await kysely.destroy();
    },
  };
}

/** SQL text starting with this comment runs as a prepared statement (see below). */
export const PREPARED = '/*prepared*/ ';
const patchedConnections = new WeakSet<PoolConnection>();

/**
 * Kysely's MySQL driver always calls query(sql, parameters, callback) on the
 * mysql2 connection; this sends those through sendStatement, as the direct
 * runners do, so every statement gets:
 * - the driver-side time bound (StatementWatchdog);
 * - `execute` (binary protocol) for text starting with PREPARED: such text is
 *   stable per query shape, so mysql2 prepares it once per connection and the
 *   server skips parsing it again.
 */
function patchConnection(connection: PoolConnection, watchdog: StatementWatchdog): void {
  if (patchedConnections.has(connection)) return;
  patchedConnections.add(connection);
  type Send = (this: PoolConnection, ...args: unknown[]) => unknown;
  const query = connection.query as unknown as Send;
  const bounded: Send = function (...args) {
    const [sql, values, callback] = args;
    if (typeof sql !== 'string' || typeof callback !== 'function') return query.apply(this, args);
    sendStatement(this, sql, values as readonly unknown[], watchdog, callback as (error: unknown, result?: unknown) => void);
  };
  (connection as unknown as { query: Send }).query = bounded;
}

type Send = (sql: string, values: unknown, callback: (error: unknown, result?: unknown) => void) => unknown;

/**
 * One statement on a borrowed connection, for both paths: PREPARED text as a
 * prepared statement, anything else as text, under the watchdog's time bound.
 * The SQL goes as a plain string: mysql2's per-statement options object (and
 * its `timeout` timer) cost about 35,000 instructions a statement (measured
 * with callgrind; bench/RESULTS.md).
 */
function sendStatement(
  connection: PoolConnection,
  sql: string,
  values: readonly unknown[],
  watchdog: StatementWatchdog,
  callback: (error: unknown, result?: unknown) => void,
): void {
  // The unpatched methods: `query` may be the bounded wrapper above.
  const send = (sql.startsWith(PREPARED) ? connectionExecute : connectionQuery) as unknown as Send;
  const watched = watchdog.watch(connection, callback);
  send.call(connection, sql, values, (error, result) => {
    if (watchdog.settle(watched)) callback(error, result);
  });
}

/**
 * The driver-side time bound of every statement (see Deadlines). A statement
 * still unanswered past the bound (the server's own max_statement_time should
 * always end it first; this is for a server or network that stops answering)
 * fails with PROTOCOL_SEQUENCE_TIMEOUT, as mysql2's own timeout does, and its
 * connection is destroyed: mysql2 would otherwise reuse it with the statement
 * possibly still running. A late answer for it is ignored.
 */
export class StatementWatchdog {
  readonly #deadlines: Deadlines;

  constructor(readonly timeoutMs: number) {
    this.#deadlines = new Deadlines(Deadlines.periodFor(timeoutMs));
  }

  watch(connection: PoolConnection, callback: (error: unknown) => void): Deadline {
    return this.#deadlines.add(this.timeoutMs, () => {
      connection.destroy();
      callback(Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT', fatal: false }));
    });
  }

  /** True when the statement's own answer is the one to report (it had not timed out). */
  settle(watched: Deadline): boolean {
    return this.#deadlines.settle(watched);
  }
}

const { query: connectionQuery, execute: connectionExecute } = (mysql as unknown as { Connection: { prototype: PoolConnection } }).Connection.prototype;
const BEGIN = CompiledQuery.raw('BEGIN');
const COMMIT = CompiledQuery.raw('COMMIT');
const ROLLBACK = CompiledQuery.raw('ROLLBACK');

/**
 * Text statements joined into one batch, sent in one round trip. Only
 * parameterised statements of this code base go in; see multipleStatements.
 */
function batch(queries: readonly CompiledQuery[]): CompiledQuery {
  for (const query of queries) {
    if (query.sql.startsWith(PREPARED)) throw new Error('a prepared statement cannot be part of a batch');
  }
  return CompiledQuery.raw(
    queries.map((query) => query.sql).join('; '),
    queries.flatMap((query) => query.parameters),
  );
}

/** A driver result in Kysely's shape (as its MysqlConnection makes it), so callers cannot tell the paths apart. */
function toQueryResult<R>(result: unknown): QueryResult<R> {
  if (Array.isArray(result)) return { rows: result as R[] };
  if (result && typeof result === 'object' && 'insertId' in result && 'affectedRows' in result) {
    const { insertId, affectedRows, changedRows } = result as { insertId?: unknown; affectedRows?: unknown; changedRows?: unknown };
    return {
      insertId: insertId != null && String(insertId) !== '0' ? BigInt(insertId as number) : undefined,
      numAffectedRows: affectedRows != null ? BigInt(affectedRows as number) : undefined,
      numChangedRows: changedRows != null ? BigInt(changedRows as number) : undefined,
      rows: [],
    };
  }
  return { rows: [] };
}

/** Delegates to MysqlDialect, wrapping each connection to count and map errors. */
class InstrumentedDialect implements Dialect {
  constructor(
    private readonly inner: MysqlDialect,
    private readonly stats: SqlStats,
  ) {}
  createDriver(): Driver {
    return new InstrumentedDriver(this.inner.createDriver(), this.stats);
  }
  createQueryCompiler() {
    return this.inner.createQueryCompiler();
  }
  createAdapter() {
    return this.inner.createAdapter();
  }
  createIntrospector(db: Kysely<unknown>) {
    return this.inner.createIntrospector(db);
  }
}

class InstrumentedDriver implements Driver {
  readonly #wrapped = new WeakMap<DatabaseConnection, InstrumentedConnection>();
  constructor(
    private readonly inner: Driver,
    private readonly stats: SqlStats,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    // A request past its time limit has already been answered: its leftovers get no connection.
    if (this.stats.currentScope()?.timedOut) throw new TimeoutError();
    let connection: DatabaseConnection;
    try {
      connection = await this.inner.acquireConnection();
    } catch (error) {
      throw mapDriverError(error);
    }
    let wrapped = this.#wrapped.get(connection);
    if (!wrapped) {
      wrapped = new InstrumentedConnection(connection, this.stats);
      this.#wrapped.set(connection, wrapped);
    }
    return wrapped;
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.inner.rollbackTransaction(connection);
  }
  releaseConnection(connection: DatabaseConnection) {
    return this.inner.releaseConnection((connection as InstrumentedConnection).inner);
  }
  destroy() {
    return this.inner.destroy();
  }
}

class InstrumentedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly stats: SqlStats,
  ) {}
  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const start = performance.now();
    this.stats.started();
    try {
      const result = await this.inner.executeQuery<R>(compiledQuery);
      this.stats.finished(compiledQuery.sql, performance.now() - start, null);
      return result;
    } catch (error) {
      this.stats.finished(compiledQuery.sql, performance.now() - start, driverErrorCode(error) ?? 'ERROR');
      throw mapDriverError(error);
    }
  }
  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

