// The one way the replication primitives talk to a server: a statement on a
// mysql2 callback-API connection (mysql2's Connection or a pool's
// PoolConnection, what src/db/pool.ts holds; from a mysql2/promise
// PoolConnection pass its `.connection`), under a time bound of its own. Only
// the plain query(sql, values, callback) form is used, which the gateway's
// bounded pool connections also accept.
import type { Connection } from 'mysql2';

/** A mysql2 callback-API connection (PoolConnection is one). */
export type ReplicationConnection = Pick<Connection, 'query' | 'destroy'>;

/** Room for the round trip on top of a server-side wait, before the driver-side bound gives up. */
export const DRIVER_MARGIN_MS = 1000;

/**
 * Runs one statement and resolves with its rows. When no answer comes within
 * `timeoutMs` the connection is destroyed (the statement may still be
 * running on it, so it must not be reused) and the promise rejects with code
 * PROTOCOL_SEQUENCE_TIMEOUT, as mysql2's own statement timeout does.
 */
export function queryRows<Row>(connection: ReplicationConnection, sql: string, values: readonly unknown[], timeoutMs: number): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      connection.destroy();
      reject(
        Object.assign(new Error(`The server did not answer "${sql.slice(0, 80)}" within ${timeoutMs} ms; the connection was closed.`), {
          code: 'PROTOCOL_SEQUENCE_TIMEOUT',
          fatal: false,
        }),
      );
    }, timeoutMs);
    connection.query(sql, values as unknown[], (error, rows) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(rows as Row[]);
    });
  });
}

/** The error number of a server error, or null. */
export function errnoOf(error: unknown): number | null {
  return error && typeof error === 'object' && 'errno' in error && typeof error.errno === 'number' ? error.errno : null;
}

/** ER_UNKNOWN_SYSTEM_VARIABLE: a MySQL server asked for @@last_gtid, @@gtid_slave_pos, ... */
export const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
/** ER_SP_DOES_NOT_EXIST: a MySQL server asked for MASTER_GTID_WAIT. */
export const ER_SP_DOES_NOT_EXIST = 1305;

/** Replaces a "MySQL does not have this" server error with one that says so, keeping the original as its cause. */
export function mariadbOnly(error: unknown, what: string): unknown {
  const errno = errnoOf(error);
  return errno === ER_UNKNOWN_SYSTEM_VARIABLE || errno === ER_SP_DOES_NOT_EXIST ? notMariadb(what, error) : error;
}

/** The error for a server without MariaDB's GTIDs (code REPLICATION_MARIADB_ONLY). */
export function notMariadb(what: string, cause?: unknown): Error {
  return Object.assign(
    new Error(
      `${what} needs MariaDB's GTIDs (10.0.2 or later) and this server does not have them; ` +
        'on MySQL 8 the equivalents are session_track_gtids / @@gtid_executed and WAIT_FOR_EXECUTED_GTID_SET, which these primitives do not implement.',
      { cause },
    ),
    { code: 'REPLICATION_MARIADB_ONLY' },
  );
}
