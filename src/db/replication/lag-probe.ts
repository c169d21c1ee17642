// A replica's lag in milliseconds, measured rather than read: take the
// primary's binary log position now, then time how long the replica takes to
// have applied it (MASTER_GTID_WAIT, bounded). A replica that keeps up
// answers at once; one that is N ms behind reaches the position about N ms
// later; one that is stopped or further behind than the bound is reported as
// such. No writes (no heartbeat table), so it works with a read-only
// gateway user and an idle primary (nothing to be behind on = lag 0), and it
// is finer than Seconds_Behind_Master (whole seconds, NULL when stopped).
//
// The measure is an upper bound of the true lag at the moment of the probe,
// off by the two round trips; it holds the replica connection for up to
// `boundMs`, so probes want a connection of their own, not a pool's.
import { readPrimaryPosition } from './replica-status.ts';
import { waitForGtidPosition } from './gtid-wait.ts';
import type { ReplicationConnection } from './query.ts';

export interface LagProbe {
  /** Milliseconds until the replica had applied the primary's position; null when it had not within `boundMs`. */
  readonly lagMs: number | null;
  /** The primary's position the probe waited for. */
  readonly primaryPosition: string;
}

/**
 * Measures how far `replica` is behind `primary`, waiting at most `boundMs`
 * on the replica: a null lagMs means "more than boundMs, or not applying at
 * all" (the replica is then out of rotation for a REPLICA_MAX_LAG_MS of
 * boundMs). Rejects when either server does not answer.
 */
export async function probeReplicaLag(primary: ReplicationConnection, replica: ReplicationConnection, boundMs: number): Promise<LagProbe> {
  const primaryPosition = await readPrimaryPosition(primary);
  const { reached, waitedMs } = await waitForGtidPosition(replica, primaryPosition, boundMs);
  return { lagMs: reached ? Math.round(waitedMs) : null, primaryPosition };
}
