// The database handle a process holds: one bounded mysql2 pool on the
// primary (DATABASE_URL), and every statement sent through the direct runner
// (counted, time-bounded, errors mapped). With read replicas
// (DATABASE_REPLICA_URLS, and `readReplicas` asked for: the gateway does,
// migrations, the seed, the import and the job workers do not) plain reads
// go to the replicas (replicas.ts) and everything else (writes, every
// transaction, locking reads) to the primary, which also reports each
// commit's GTID position and the tables it wrote. A later read of this
// process that reads one of those tables must see the write (it waits for
// it on a replica, or the primary answers); a read of other tables goes to a
// replica at once.
import type { CompiledQuery, QueryResult } from 'kysely';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { sourceTable } from './counters.ts';
import { createRunner, isPlainRead, type Runner } from './direct.ts';
import { createReplicaSet, type ReplicaState } from './replicas.ts';
import { formatGtidPosition, mergeGtidPositions } from './replication/gtid-position.ts';
import { createServerPool, type PoolUsage } from './server-pool.ts';
import { StatementWatchdog } from './statement.ts';
import { SqlStats } from './stats.ts';
import type { Tracing } from '../tracing/tracing.ts';

export type { DirectTransaction, SqlSession } from './direct.ts';
export type { ReplicaState } from './replicas.ts';

/** The driver-side bound sits this far past the server-side one, which should always fire first. */
const DRIVER_TIMEOUT_MARGIN_MS = 1000;

export interface Db extends Runner {
  readonly stats: SqlStats;
  /** Resolves true when the primary answers `SELECT 1` within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** The primary's pool connections: in use and requests waiting for one. */
  poolUsage(): PoolUsage;
  /** Each read replica's state (none without DATABASE_REPLICA_URLS). */
  replicas(): ReplicaState[];
  /** Reads the primary answered although replicas are configured (none in rotation, or none caught up). */
  primaryReads(): number;
  /** The GTID position of this process's last commit ('' without replicas or before any write). */
  writePosition(): string;
  /** Another process's commit this one has heard of (an event): later reads of these tables here must see it too. */
  noteWritePosition(position: string, tables: readonly string[]): void;
  destroy(): Promise<void>;
}

export interface DbOptions {
  /** Send plain reads to DATABASE_REPLICA_URLS (the gateway's request path). */
  readonly readReplicas?: boolean;
  readonly log?: Logger;
  /** Spans for the statements of traced requests and jobs (OTEL_*); null or absent: none. */
  readonly tracing?: Tracing | null;
}

export function createDb(config: Config, options: DbOptions = {}, stats = new SqlStats()): Db {
  const server = createServerPool(config.database, config.dbPoolSize, config.limits);
  const watchdog = new StatementWatchdog(config.limits.statementTimeoutMs + DRIVER_TIMEOUT_MARGIN_MS);
  const useReplicas = options.readReplicas === true && config.replication.replicas.length > 0;
  let position = '';
  /** Per table, the position a read of it must see. */
  const positions = new Map<string, string>();
  const note = (gtid: string, tables: Iterable<string>) => {
    position = formatGtidPosition(mergeGtidPositions(position, gtid));
    for (const table of tables) positions.set(table, formatGtidPosition(mergeGtidPositions(positions.get(table) ?? '', gtid)));
  };
  /** What a read must see: the positions of the tables it reads. */
  const required = (sql: string): string => {
    if (positions.size === 0) return '';
    let needed = '';
    for (const table of tablesRead(sql)) {
      const at = positions.get(table);
      if (at) needed = needed ? formatGtidPosition(mergeGtidPositions(needed, at)) : at;
    }
    return needed;
  };
  const tracing = options.tracing ?? null;
  const primary = createRunner(server, stats, watchdog, {
    ...(useReplicas ? { onCommitPosition: note } : {}),
    tracing: tracing ? { tracing, target: config.database } : null,
  });
  const replicas = useReplicas
    ? createReplicaSet({ primary: config.database, replication: config.replication, poolSize: config.dbPoolSize, limits: config.limits, stats, watchdog, log: options.log, tracing })
    : null;
  return {
    executeQuery: replicas
      ? <R>(query: CompiledQuery<R>): Promise<QueryResult<R>> =>
          isPlainRead(query.sql) ? replicas.read(query, required(query.sql), primary) : primary.executeQuery(query)
      : primary.executeQuery,
    transaction: primary.transaction,
    stats,
    ping: (timeoutMs) => server.ping(timeoutMs),
    poolUsage: () => server.usage(),
    replicas: () => replicas?.states() ?? [],
    primaryReads: () => replicas?.primaryReads() ?? 0,
    writePosition: () => position,
    noteWritePosition: (gtid, tables) => {
      if (replicas) note(gtid, tables);
    },
    async destroy() {
      await replicas?.close();
      await server.end();
    },
  };
}

const READ_TABLE = /\b(?:from|join)\s+`?(\w+)`?/gi;
const tablesOfText = new Map<string, readonly string[]>();

/** The tables a statement reads (after FROM and JOIN), kept per statement text. */
function tablesRead(sql: string): readonly string[] {
  let tables = tablesOfText.get(sql);
  if (!tables) {
    // A counter table stands for the table it counts (counters.ts): its triggers write both in one commit.
    tables = [...new Set([...sql.matchAll(READ_TABLE)].map((match) => sourceTable(match[1]!.toLowerCase())))];
    // Statement texts repeat per query shape; loaders' IN lists vary in length, so the map is bounded.
    if (tablesOfText.size >= 5000) tablesOfText.clear();
    tablesOfText.set(sql, tables);
  }
  return tables;
}
