// Driver-level pieces of read replicas on MariaDB's own GTID replication,
// for the gateway's wiring (issue 15) to call. Each takes a plain mysql2
// callback-API connection (Connection or PoolConnection; for a
// mysql2/promise PoolConnection, its `.connection`), knows no GraphQL, bounds
// every statement it sends, and rejects with the driver's codes
// (PROTOCOL_SEQUENCE_TIMEOUT when a server does not answer) or
// REPLICATION_MARIADB_ONLY on a server without MariaDB's GTIDs.
//
// How the wiring uses them:
// - after a write commits on the primary: readLastGtid (or LAST_GTID_SQL in
//   the COMMIT batch) -> the position; mergeGtidPositions keeps the latest
//   one the process wrote;
// - a read that must see it: waitForGtidPosition on a replica connection with
//   a short bound; not reached -> read from the primary instead;
// - rotation: probeReplicaLag against REPLICA_MAX_LAG_MS, readReplicaStatus +
//   assessReplica for /ready and /metrics.
//
// Tested against a real primary and replica: test/replication-primitives.test.ts.
export {
  formatGtidPosition,
  gtidPositionCovers,
  mergeGtidPositions,
  parseGtidPosition,
  transactionsBehind,
  type Gtid,
  type GtidPosition,
} from './gtid-position.ts';
export { LAST_GTID_SQL, lastGtidFromRow, readLastGtid } from './commit-position.ts';
export { GTID_WAIT_SQL, waitForGtidPosition, type GtidWaitResult } from './gtid-wait.ts';
export { assessReplica, readPrimaryPosition, readReplicaStatus, type ReplicaHealth, type ReplicaStatus } from './replica-status.ts';
export { probeReplicaLag, type LagProbe } from './lag-probe.ts';
export type { ReplicationConnection } from './query.ts';
