// How statements reach the server: one statement on a borrowed connection, or
// a transaction on one connection, counted in the request's scope, bounded by
// the watchdog and with driver failures mapped (driver-errors.ts). Every
// statement of the gateway goes through here; Kysely only builds SQL
// (query-builder.ts). One promise per statement, no layers of async
// functions: each promise costs, more so under the AsyncLocalStorage of the
// request scope.
import { CompiledQuery, type QueryResult } from 'kysely';
import type { PoolConnection } from 'mysql2';
import { TimeoutError } from '../errors.ts';
import { driverErrorCode, mapDriverError } from './driver-errors.ts';
import type { ServerPool } from './server-pool.ts';
import { LAST_GTID_SQL, lastGtidFromRow } from './replication/commit-position.ts';
import { PREPARED, sendStatement, type StatementWatchdog } from './statement.ts';
import type { RequestScope, SqlStats } from './stats.ts';
import type { StatementParent, StatementTarget, Tracing } from '../tracing/tracing.ts';

/** What repositories and the compiled path send SQL through: a pool, or a transaction. */
export interface SqlSession {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/**
 * A transaction of Db.transaction. Round trips are what a short write
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

/** InnoDB's isolation levels; a transaction without one runs at the server's default (REPEATABLE READ). */
export type IsolationLevel = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export interface TransactionOptions {
  /**
   * This transaction's isolation level. `SET TRANSACTION ISOLATION LEVEL`
   * (neither GLOBAL nor SESSION: the next transaction only) goes in the same
   * round trip as BEGIN, so it costs nothing and cannot outlive the
   * transaction: the connection's later transactions run at its default again.
   */
  readonly isolation?: IsolationLevel;
}

export interface Runner extends SqlSession {
  /**
   * Runs `work` in one transaction on one pool connection: BEGIN, the work's
   * statements, COMMIT; ROLLBACK when the work throws (the connection is
   * dropped if even that fails).
   */
  transaction<T>(work: (trx: DirectTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

const BEGIN = CompiledQuery.raw('BEGIN');
/** Fixed texts, so no level is ever spliced into SQL from a value. */
const SET_ISOLATION: Record<IsolationLevel, CompiledQuery> = {
  'READ UNCOMMITTED': CompiledQuery.raw('SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED'),
  'READ COMMITTED': CompiledQuery.raw('SET TRANSACTION ISOLATION LEVEL READ COMMITTED'),
  'REPEATABLE READ': CompiledQuery.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ'),
  'SERIALIZABLE': CompiledQuery.raw('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE'),
};
const COMMIT = CompiledQuery.raw('COMMIT');
const ROLLBACK = CompiledQuery.raw('ROLLBACK');
const LAST_GTID = CompiledQuery.raw(LAST_GTID_SQL);

type Done<R> = (error: unknown, result?: QueryResult<R>) => void;

export interface RunnerOptions {
  /**
   * With read replicas: told the GTID position of every commit (and every
   * autocommitted write) this runner sends, read on the committing connection
   * in the same round trip as the COMMIT (reads that must see the write wait
   * for it on a replica, see replicas.ts).
   */
  readonly onCommitPosition?: (position: string, tables: ReadonlySet<string>) => void;
  /**
   * With tracing on (OTEL_*): a span per statement sent inside a traced
   * request or job, with the server it went to. Off: null, and a statement
   * costs one null check more.
   */
  readonly tracing?: { readonly tracing: Tracing; readonly target: StatementTarget } | null;
}

const WRITE = /^\s*(?:\/\*prepared\*\/\s*)?(?:insert\s+(?:ignore\s+)?into|replace\s+into|update|delete\s+from)\s+`?(\w+)`?/i;

/** The table a write statement writes, or null for a read. */
export function writtenTable(sql: string): string | null {
  return WRITE.exec(sql)?.[1]?.toLowerCase() ?? null;
}

/** A statement that only reads and locks nothing: one a replica may answer. */
export function isPlainRead(sql: string): boolean {
  const text = sql.startsWith(PREPARED) ? sql.slice(PREPARED.length) : sql;
  return /^\s*select\b/i.test(text) && !/\bfor\s+update\b|\bfor\s+share\b|\block\s+in\s+share\s+mode\b/i.test(text);
}

export function createRunner(server: ServerPool, stats: SqlStats, watchdog: StatementWatchdog, options: RunnerOptions = {}): Runner {
  const { onCommitPosition } = options;
  const tracing = options.tracing?.tracing ?? null;
  const target = options.tracing?.target;
  /** The position in the last result of a batch that ended with LAST_GTID. */
  const notePosition = (results: unknown[], tables: ReadonlySet<string>) => {
    const rows = results[results.length - 1] as { last_gtid: unknown }[] | undefined;
    const position = lastGtidFromRow(rows?.[0]);
    if (position && tables.size) onCommitPosition!(position, tables);
  };
  const acquire = (done: (error: unknown, connection?: PoolConnection) => void) => {
    // A request past its time limit has already been answered: its leftovers get no connection.
    if (stats.currentScope()?.timedOut) return done(new TimeoutError());
    server.acquire((error, connection) => (error ? done(mapDriverError(error)) : done(null, connection)));
  };
  /** The statement's span, when the work sending it is traced (`parent`, taken where the work asked, like `scope`). */
  const traceStatement = (parent: StatementParent, sql: string, statements: number) =>
    tracing!.statement(parent, sql.startsWith(PREPARED) ? sql.slice(PREPARED.length) : sql, target!, statements);
  const run = <R>(connection: PoolConnection, query: CompiledQuery, scope: RequestScope | undefined, done: Done<R>, statements = 1, parent?: StatementParent) => {
    const start = performance.now();
    const span = parent ? traceStatement(parent, query.sql, statements) : null;
    stats.started();
    sendStatement(connection, query.sql, query.parameters, watchdog, (error, result) => {
      const errorCode = error ? (driverErrorCode(error) ?? 'ERROR') : null;
      stats.finishedIn(scope, query.sql, performance.now() - start, errorCode, statements);
      span?.end(result, errorCode);
      if (error) done(mapDriverError(error));
      // A batch's result is the list of its statements' results, handed on as it is.
      else done(null, statements > 1 ? ({ rows: result } as QueryResult<R>) : toQueryResult<R>(result));
    });
  };
  const settle =
    <R>(resolve: (result: QueryResult<R>) => void, reject: (error: unknown) => void): Done<R> =>
    (error, result) => (error ? reject(error) : resolve(result!));

  return {
    executeQuery<R>(query: CompiledQuery<R>) {
      // An autocommitted write with replicas to tell: the write and its position in one round trip.
      if (onCommitPosition && !isPlainRead(query.sql) && !query.sql.startsWith(PREPARED)) return writeAndNote<R>(query);
      return new Promise<QueryResult<R>>((resolve, reject) => {
        const scope = stats.currentScope();
        const parent = tracing ? tracing.statementParent() : undefined;
        acquire((error, connection) => {
          if (error) return reject(error);
          run<R>(connection!, query, scope, (failure, result) => {
            connection!.release();
            settle(resolve, reject)(failure, result);
          }, 1, parent);
        });
      });
    },
    async transaction(work, options) {
      const scope = stats.currentScope();
      const parent = tracing ? tracing.statementParent() : undefined;
      const connection = await new Promise<PoolConnection>((resolve, reject) =>
        acquire((error, borrowed) => (error ? reject(error) : resolve(borrowed!))),
      );
      const send = <R>(query: CompiledQuery<R>, statements = 1) =>
        new Promise<QueryResult<R>>((resolve, reject) => run<R>(connection, query, scope, settle(resolve, reject), statements, parent));
      // What starts the transaction: BEGIN, after the isolation level when one is asked for.
      const begin: CompiledQuery[] = options?.isolation ? [SET_ISOLATION[options.isolation], BEGIN] : [BEGIN];
      const sendBegin = () => (begin.length === 1 ? send(BEGIN) : send(batch(begin), begin.length));
      let begun = false;
      let committed = false;
      // What the transaction writes, for the read-your-writes positions (with replicas).
      const written = new Set<string>();
      const noteWrite = (sql: string) => {
        const table = onCommitPosition ? writtenTable(sql) : null;
        if (table) written.add(table);
      };
      const trx: DirectTransaction = {
        async executeQuery<R>(query: CompiledQuery<R>) {
          noteWrite(query.sql);
          if (begun) return send(query);
          begun = true;
          if (query.sql.startsWith(PREPARED)) {
            await sendBegin();
            return send(query);
          }
          const results = (await send(batch([...begin, query]), begin.length + 1)).rows as unknown as unknown[];
          return toQueryResult<R>(results[begin.length]);
        },
        async commitWith(queries) {
          for (const query of queries) noteWrite(query.sql);
          if (!begun) await sendBegin();
          begun = true;
          const tail = onCommitPosition ? [COMMIT, LAST_GTID] : [COMMIT];
          const { rows } = await send(batch([...queries, ...tail]), queries.length + tail.length);
          committed = true;
          if (onCommitPosition) notePosition(rows as unknown[], written);
          return (rows as unknown[]).slice(0, queries.length).map((result) => toQueryResult(result));
        },
      };
      try {
        const result = await work(trx);
        if (begun && !committed) {
          if (onCommitPosition && written.size) notePosition((await send(batch([COMMIT, LAST_GTID]), 2)).rows as unknown[], written);
          else await send(COMMIT);
        }
        return result;
      } catch (error) {
        // Left in an unknown state when even the rollback fails: the pool gets a fresh connection instead.
        if (begun && !committed) await send(ROLLBACK).catch(() => connection.destroy());
        throw error;
      } finally {
        connection.release();
      }
    },
  };

  /** The write, then LAST_GTID, on one connection in one round trip; the write's result. */
  function writeAndNote<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
    return new Promise<QueryResult<R>>((resolve, reject) => {
      const scope = stats.currentScope();
      const parent = tracing ? tracing.statementParent() : undefined;
      acquire((error, connection) => {
        if (error) return reject(error);
        run<R>(connection!, batch([query, LAST_GTID]), scope, (failure, result) => {
          connection!.release();
          if (failure) return reject(failure);
          const results = result!.rows as unknown[];
          const table = writtenTable(query.sql);
          notePosition(results, new Set(table ? [table] : []));
          resolve(toQueryResult<R>(results[0]));
        }, 2, parent);
      });
    });
  }
}

/**
 * Text statements joined into one batch, sent in one round trip. Only
 * parameterised statements of this code base go in; see multipleStatements
 * in session-settings.ts.
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

/** A driver result in Kysely's shape (as its MysqlConnection makes it). */
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
