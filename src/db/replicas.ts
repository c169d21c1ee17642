// Read replicas (DATABASE_REPLICA_URLS) on MariaDB's own GTID replication:
// each replica has a bounded pool of its own and a prober that measures its
// lag; reads are spread over the replicas in rotation, and a read that must
// see a write this process committed (read-your-writes) either finds a
// replica known to have applied it, waits for one briefly
// (MASTER_GTID_WAIT), or goes to the primary.
//
// - In rotation: the last probe answered and measured a lag within
//   REPLICA_MAX_LAG_MS. A replica that does not answer, is stopped, or lags
//   more leaves the rotation; the next good probe brings it back.
// - A read whose replica fails to answer (connection refused or lost) takes
//   the replica out at once and is run on the primary instead: a read is safe
//   to repeat.
// - With no replica in rotation every read goes to the primary.
// Probes use connections of their own (a wait may hold one for up to the lag
// bound), never the pools the requests use.
import mysql, { type Connection } from 'mysql2';
import { CompiledQuery, type QueryResult } from 'kysely';
import type { DatabaseTarget, Limits, ReplicationConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createRunner, type SqlSession } from './direct.ts';
import { driverErrorCode, isUnreachableCode } from './driver-errors.ts';
import { formatGtidPosition, gtidPositionCovers, mergeGtidPositions } from './replication/gtid-position.ts';
import { GTID_WAIT_SQL } from './replication/gtid-wait.ts';
import { probeReplicaLag } from './replication/lag-probe.ts';
import { createServerPool, type PoolUsage, type ServerPool } from './server-pool.ts';
import { poolOptions } from './session-settings.ts';
import type { StatementWatchdog } from './statement.ts';
import type { SqlStats } from './stats.ts';
import type { Tracing } from '../tracing/tracing.ts';

export interface ReplicaState {
  /** "host:port" of the replica. */
  readonly server: string;
  readonly inRotation: boolean;
  /** The last measured lag in ms; null when unknown or beyond the bound. */
  readonly lagMs: number | null;
  /** Why it is out of rotation, when it is. */
  readonly reason: string | null;
  readonly pool: PoolUsage;
  /** Reads it has answered. */
  readonly reads: number;
}

export interface ReplicaSet {
  /** Runs a plain read on a replica that has applied `required` (see the header), or on `primary`. */
  read<R>(query: CompiledQuery<R>, required: string, primary: SqlSession): Promise<QueryResult<R>>;
  /** Reads the primary answered because no replica could. */
  readonly primaryReads: () => number;
  states(): ReplicaState[];
  close(): Promise<void>;
}

interface Replica {
  readonly name: string;
  readonly target: DatabaseTarget;
  readonly pool: ServerPool;
  readonly session: SqlSession;
  inRotation: boolean;
  lagMs: number | null;
  reason: string | null;
  /** A position this replica is known to have applied (from probes and waits). */
  applied: string;
  reads: number;
  prober: Connection | null;
  /** Until when (performance.now()) reads needing what it has not applied skip the wait: a wait just failed. */
  noWaitUntil: number;
}

export interface ReplicaSetOptions {
  readonly primary: DatabaseTarget;
  readonly replication: ReplicationConfig;
  readonly poolSize: number;
  readonly limits: Pick<Limits, 'poolWaitMs' | 'statementTimeoutMs'>;
  readonly stats: SqlStats;
  readonly watchdog: StatementWatchdog;
  readonly log?: Logger;
  /** Spans for the reads the replicas answer (see createRunner). */
  readonly tracing?: Tracing | null;
}

export function createReplicaSet(options: ReplicaSetOptions): ReplicaSet {
  const { replication, stats, watchdog, log } = options;
  const replicas: Replica[] = replication.replicas.map((target) => {
    const pool = createServerPool(target, options.poolSize, options.limits);
    return {
      name: `${target.host}:${target.port}`,
      target,
      pool,
      session: createRunner(pool, stats, watchdog, { tracing: options.tracing ? { tracing: options.tracing, target } : null }),
      // Out until its first probe says it keeps up.
      inRotation: false,
      lagMs: null,
      reason: 'not probed yet',
      applied: '',
      reads: 0,
      prober: null,
      noWaitUntil: 0,
    };
  });
  let primaryReads = 0;
  let next = 0;
  let closed = false;
  let primaryProber: Connection | null = null;

  const connect = (target: DatabaseTarget): Connection => {
    const connection = mysql.createConnection({ ...poolOptions(target, 1, options.limits), multipleStatements: false });
    connection.on('error', () => {});
    return connection;
  };
  const leave = (replica: Replica, reason: string) => {
    if (replica.inRotation) log?.warn({ replica: replica.name, reason }, 'read replica out of rotation; its reads go elsewhere');
    replica.inRotation = false;
    replica.reason = reason;
  };

  async function probe(replica: Replica): Promise<void> {
    try {
      primaryProber ??= connect(options.primary);
      replica.prober ??= connect(replica.target);
      const { lagMs, primaryPosition } = await probeReplicaLag(primaryProber, replica.prober, replication.maxLagMs);
      replica.lagMs = lagMs;
      if (lagMs === null) return leave(replica, `more than ${replication.maxLagMs} ms behind the primary, or not applying`);
      replica.applied = formatGtidPosition(mergeGtidPositions(replica.applied, primaryPosition));
      if (!replica.inRotation) log?.info({ replica: replica.name, lagMs }, 'read replica in rotation');
      replica.inRotation = true;
      replica.reason = null;
    } catch (error) {
      // Either end may be the one that failed: both probe connections start afresh.
      replica.prober?.destroy();
      replica.prober = null;
      primaryProber?.destroy();
      primaryProber = null;
      replica.lagMs = null;
      leave(replica, `does not answer (${driverErrorCode(error) ?? (error instanceof Error ? error.message : 'error')})`);
    }
  }

  let probing: Promise<void> | null = null;
  const probeAll = () => {
    if (closed || probing) return;
    probing = Promise.all(replicas.map(probe)).then(() => {
      probing = null;
    });
  };
  const timer = replicas.length ? setInterval(probeAll, replication.probeIntervalMs) : null;
  timer?.unref();
  probeAll();

  /** A replica in rotation, round robin. */
  const pick = (): Replica | null => {
    for (let i = 0; i < replicas.length; i++) {
      const replica = replicas[(next + i) % replicas.length]!;
      if (replica.inRotation) {
        next = (next + i + 1) % replicas.length;
        return replica;
      }
    }
    return null;
  };

  /** True once the replica has applied `required`: known already, or after a bounded wait on it. */
  async function caughtUp(replica: Replica, required: string): Promise<boolean> {
    if (required === '' || gtidPositionCovers(replica.applied, required)) return true;
    // A replica that just failed to catch up in time (its SQL thread stopped, say) is not waited
    // for again until the next probe: those reads go to the primary at once.
    if (replication.readYourWritesWaitMs === 0 || performance.now() < replica.noWaitUntil) return false;
    const { rows } = await replica.session.executeQuery<{ reached: number | string | null }>(
      CompiledQuery.raw(GTID_WAIT_SQL, [required, replication.readYourWritesWaitMs / 1000]),
    );
    if (Number(rows[0]?.reached) !== 0) {
      replica.noWaitUntil = performance.now() + replication.probeIntervalMs;
      return false;
    }
    replica.applied = formatGtidPosition(mergeGtidPositions(replica.applied, required));
    return true;
  }

  return {
    async read(query, required, primary) {
      const replica = pick();
      if (replica) {
        try {
          if (await caughtUp(replica, required)) {
            const result = await replica.session.executeQuery(query);
            replica.reads++;
            return result;
          }
        } catch (error) {
          // The replica unreachable (out of rotation now) or its pool busy: the primary answers.
          // Any other failure is the read's own.
          if ((error as { code?: unknown } | null)?.code !== 'SERVICE_UNAVAILABLE') throw error;
          const code = driverErrorCode(causeOf(error));
          if (code !== null && isUnreachableCode(code)) leave(replica, `does not answer (${code})`);
        }
      }
      primaryReads++;
      return primary.executeQuery(query);
    },
    primaryReads: () => primaryReads,
    states() {
      return replicas.map((r) => ({ server: r.name, inRotation: r.inRotation, lagMs: r.lagMs, reason: r.reason, pool: r.pool.usage(), reads: r.reads }));
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await probing;
      primaryProber?.destroy();
      for (const replica of replicas) replica.prober?.destroy();
      await Promise.all(replicas.map((replica) => replica.pool.end()));
    },
  };
}

function causeOf(error: unknown): unknown {
  return error && typeof error === 'object' && 'cause' in error ? (error as { cause: unknown }).cause : error;
}
