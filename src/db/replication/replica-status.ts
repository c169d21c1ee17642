// A replica's state, as the gateway's rotation needs it: is it replicating,
// how far behind the primary is it, and why not healthy. From the replica's
// own report (its IO and SQL threads, Seconds_Behind_Master, last errors)
// and a GTID comparison with the primary's binary log position:
// Seconds_Behind_Master is whole seconds, measured from event timestamps, and
// NULL as soon as the SQL thread stops, so it cannot tell "1 transaction
// behind" from "caught up" nor say anything about a stopped replica.
//
// Read with SHOW statements only, so the probes do not count in Com_select.
// The replica's user needs SLAVE MONITOR (or REPLICA MONITOR) for SHOW ALL
// SLAVES STATUS; any user can read gtid_binlog_pos on the primary.
import { gtidPositionCovers, transactionsBehind } from './gtid-position.ts';
import { mariadbOnly, notMariadb, queryRows, type ReplicationConnection } from './query.ts';

export interface ReplicaStatus {
  /** Slave_IO_Running: 'Yes', 'No' or 'Connecting' (to the primary). */
  readonly ioThread: string;
  /** Slave_SQL_Running: 'Yes' or 'No'. */
  readonly sqlThread: string;
  /** Seconds_Behind_Master; null when the SQL thread is stopped or the IO thread is not connected. */
  readonly secondsBehindPrimary: number | null;
  /** Gtid_Slave_Pos: what the replica has applied (what MASTER_GTID_WAIT compares with). */
  readonly appliedPosition: string;
  /** Gtid_IO_Pos: what it has received from the primary (applied or not). */
  readonly receivedPosition: string;
  /** Last_IO_Error / Last_SQL_Error; null when empty. */
  readonly lastIoError: string | null;
  readonly lastSqlError: string | null;
  readonly primaryHost: string;
  readonly primaryPort: number;
}

/**
 * The replica's status, or null when the server is not a replica (no
 * CHANGE MASTER). SHOW ALL SLAVES STATUS is SHOW SLAVE STATUS plus
 * Gtid_Slave_Pos, so one statement gives the threads and the applied
 * position together; the default (unnamed) connection is the one read.
 */
export async function readReplicaStatus(connection: ReplicationConnection, timeoutMs = 2000): Promise<ReplicaStatus | null> {
  let rows: Record<string, unknown>[];
  try {
    rows = await queryRows<Record<string, unknown>>(connection, 'SHOW ALL SLAVES STATUS', [], timeoutMs);
  } catch (error) {
    throw mariadbOnly(error, 'Reading a replica status');
  }
  const row = rows.find((candidate) => (candidate.Connection_name ?? '') === '') ?? null;
  if (!row) return null;
  const text = (name: string) => (row[name] === null || row[name] === undefined ? '' : String(row[name]));
  return {
    ioThread: text('Slave_IO_Running'),
    sqlThread: text('Slave_SQL_Running'),
    secondsBehindPrimary: row.Seconds_Behind_Master === null || row.Seconds_Behind_Master === undefined ? null : Number(row.Seconds_Behind_Master),
    appliedPosition: text('Gtid_Slave_Pos'),
    receivedPosition: text('Gtid_IO_Pos'),
    lastIoError: text('Last_IO_Error') || null,
    lastSqlError: text('Last_SQL_Error') || null,
    primaryHost: text('Master_Host'),
    primaryPort: Number(text('Master_Port')),
  };
}

/** The primary's binary log position: every transaction it has committed so far. */
export async function readPrimaryPosition(connection: ReplicationConnection, timeoutMs = 2000): Promise<string> {
  let rows: { Value: unknown }[];
  try {
    rows = await queryRows<{ Value: unknown }>(connection, "SHOW GLOBAL VARIABLES LIKE 'gtid_binlog_pos'", [], timeoutMs);
  } catch (error) {
    throw mariadbOnly(error, "Reading the primary's GTID position");
  }
  if (!rows[0]) throw notMariadb("Reading the primary's GTID position");
  return String(rows[0].Value ?? '');
}

export interface ReplicaHealth {
  /** Both threads running and no replication error. */
  readonly replicating: boolean;
  /** The replica has applied everything of `primaryPosition`. */
  readonly caughtUp: boolean;
  /** Transactions of `primaryPosition` not yet applied (0n when caught up). */
  readonly transactionsBehind: bigint;
  readonly secondsBehindPrimary: number | null;
  /** Why it is not replicating, in words for a log line or /ready; empty when it is. Being behind is not a problem here: how far is too far is the caller's bound. */
  readonly problems: readonly string[];
}

/** Judges a status against the primary's position (read just before or after it). No I/O. */
export function assessReplica(status: ReplicaStatus | null, primaryPosition: string): ReplicaHealth {
  if (!status) {
    return {
      replicating: false,
      caughtUp: false,
      transactionsBehind: transactionsBehind('', primaryPosition),
      secondsBehindPrimary: null,
      problems: ['the server is not a replica (no CHANGE MASTER TO was run on it)'],
    };
  }
  const problems: string[] = [];
  if (status.ioThread !== 'Yes') {
    problems.push(`its IO thread is ${status.ioThread === 'Connecting' ? 'still connecting to' : 'not reading from'} the primary (Slave_IO_Running: ${status.ioThread || 'No'})`);
  }
  if (status.sqlThread !== 'Yes') problems.push(`its SQL thread is not applying changes (Slave_SQL_Running: ${status.sqlThread || 'No'})`);
  if (status.lastIoError) problems.push(`IO error: ${status.lastIoError}`);
  if (status.lastSqlError) problems.push(`SQL error: ${status.lastSqlError}`);
  const behind = transactionsBehind(status.appliedPosition, primaryPosition);
  const caughtUp = gtidPositionCovers(status.appliedPosition, primaryPosition);
  return {
    replicating: status.ioThread === 'Yes' && status.sqlThread === 'Yes' && !status.lastIoError && !status.lastSqlError,
    caughtUp,
    transactionsBehind: behind,
    secondsBehindPrimary: status.secondsBehindPrimary,
    problems,
  };
}
