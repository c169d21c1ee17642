// The GTID a just-committed transaction produced, read on the connection that
// committed it: MariaDB keeps it in the session variable @@last_gtid, set at
// each commit that wrote to the binary log. A read that must see that write
// waits for this position on a replica (gtid-wait.ts).
//
// MariaDB only. MySQL 8 reports the GTID of a commit through session state
// tracking (session_track_gtids=OWN_GTID, which mysql2 exposes as
// ResultSetHeader.stateChanges.gtids) and waits with
// WAIT_FOR_EXECUTED_GTID_SET; there is no MySQL server on the test machines
// (Debian bookworm ships MariaDB only), so that path is not written: a MySQL
// server gets an error saying so (code REPLICATION_MARIADB_ONLY).
import { formatGtidPosition, parseGtidPosition } from './gtid-position.ts';
import { mariadbOnly, queryRows, type ReplicationConnection } from './query.ts';

/**
 * The statement, for a caller that sends it in the same batch as COMMIT
 * ("...; COMMIT; SELECT @@last_gtid AS last_gtid") to save a round trip;
 * read its row with lastGtidFromRow.
 */
export const LAST_GTID_SQL = 'SELECT @@SESSION.last_gtid AS last_gtid';

/**
 * The position of the last transaction this connection committed, e.g.
 * "0-1-42"; null when the session has committed nothing that was logged
 * (a read-only transaction leaves the previous value in place, which is
 * still a position that covers everything the session wrote).
 * Call it right after COMMIT (or an autocommitted write), on the same
 * connection, before it goes back to a pool.
 */
export async function readLastGtid(connection: ReplicationConnection, timeoutMs = 2000): Promise<string | null> {
  let rows: { last_gtid: unknown }[];
  try {
    rows = await queryRows<{ last_gtid: unknown }>(connection, LAST_GTID_SQL, [], timeoutMs);
  } catch (error) {
    throw mariadbOnly(error, 'Reading the GTID of a commit');
  }
  return lastGtidFromRow(rows[0]);
}

/** The position in a row of LAST_GTID_SQL, checked; null for the empty one. */
export function lastGtidFromRow(row: { last_gtid: unknown } | undefined): string | null {
  const value = row?.last_gtid;
  if (value === null || value === undefined || value === '') return null;
  return formatGtidPosition(parseGtidPosition(String(value)));
}
