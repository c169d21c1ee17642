// Waits, on a replica, until it has applied a GTID position: the read-your-
// writes step. MASTER_GTID_WAIT(pos, timeout) blocks on the server until the
// replica's gtid_slave_pos reaches `pos` (0) or the timeout passes (-1); it
// keeps waiting while the SQL thread is stopped, so a stopped replica shows
// as a timeout, not as an error. The wait is always bounded: MariaDB waits
// forever for a NULL or negative timeout, so this never sends one.
//
// Each call is one SELECT on the replica (it counts in its Com_select), and
// holds the connection for up to `timeoutMs`: a pool connection's own
// statement limit (max_statement_time) must be longer than the wait.
import { formatGtidPosition, parseGtidPosition } from './gtid-position.ts';
import { DRIVER_MARGIN_MS, mariadbOnly, queryRows, type ReplicationConnection } from './query.ts';

export interface GtidWaitResult {
  /** True when the replica had applied the position before the bound. */
  readonly reached: boolean;
  /** How long the call took, round trip included. */
  readonly waitedMs: number;
}

/** The statement; its one row's `reached` is 0 (applied) or -1 (timed out). */
export const GTID_WAIT_SQL = 'SELECT MASTER_GTID_WAIT(?, ?) AS reached';

/**
 * Resolves once the replica behind `connection` has applied `position`
 * ({ reached: true }), or after about `timeoutMs` ({ reached: false }).
 * An empty position is reached at once, without a round trip. Rejects on a
 * malformed position or timeout, a server error, or a replica that does not
 * answer within timeoutMs plus a margin (the connection is then destroyed;
 * code PROTOCOL_SEQUENCE_TIMEOUT).
 */
export async function waitForGtidPosition(connection: ReplicationConnection, position: string, timeoutMs: number): Promise<GtidWaitResult> {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`timeoutMs must be a finite number of milliseconds, 0 or more (the wait must be bounded), but got ${timeoutMs}.`);
  }
  const target = formatGtidPosition(parseGtidPosition(position));
  if (target === '') return { reached: true, waitedMs: 0 };
  const started = performance.now();
  let rows: { reached: unknown }[];
  try {
    rows = await queryRows<{ reached: unknown }>(connection, GTID_WAIT_SQL, [target, timeoutMs / 1000], timeoutMs + DRIVER_MARGIN_MS);
  } catch (error) {
    throw mariadbOnly(error, 'Waiting for a GTID position');
  }
  const waitedMs = performance.now() - started;
  const reached = rows[0]?.reached;
  if (reached === null || reached === undefined) {
    throw new Error(`MASTER_GTID_WAIT(${JSON.stringify(target)}, ${timeoutMs / 1000}) answered NULL; the replica did not wait.`);
  }
  return { reached: Number(reached) === 0, waitedMs };
}
