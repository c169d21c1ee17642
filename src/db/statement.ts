// One statement on a borrowed connection: PREPARED text as a prepared
// statement, anything else as text, under the driver-side time bound.
import mysql, { type PoolConnection } from 'mysql2';
import { Deadlines, type Deadline } from '../deadlines.ts';

/** SQL text starting with this comment runs as a prepared statement (binary protocol, parsed once per connection). */
export const PREPARED = '/*prepared*/ ';

type Send = (sql: string, values: unknown, callback: (error: unknown, result?: unknown) => void) => unknown;

const { query: connectionQuery, execute: connectionExecute } = (mysql as unknown as { Connection: { prototype: PoolConnection } }).Connection.prototype;

/**
 * Sends one statement (or a batch of text statements). The SQL goes as a
 * plain string: mysql2's per-statement options object (and its `timeout`
 * timer) cost about 35,000 instructions a statement (measured with
 * callgrind; bench/RESULTS.md).
 */
export function sendStatement(
  connection: PoolConnection,
  sql: string,
  values: readonly unknown[],
  watchdog: StatementWatchdog,
  callback: (error: unknown, result?: unknown) => void,
): void {
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
