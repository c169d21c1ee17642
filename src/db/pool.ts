// The database handle a process holds: one bounded mysql2 pool, and every
// statement sent through the direct runner (counted, time-bounded, errors
// mapped). Nothing else in the code base opens connections for requests.
import type { Config } from '../config.ts';
import { createRunner, type Runner } from './direct.ts';
import { createServerPool, type PoolUsage } from './server-pool.ts';
import { StatementWatchdog } from './statement.ts';
import { SqlStats } from './stats.ts';

export type { DirectTransaction, SqlSession } from './direct.ts';

/** The driver-side bound sits this far past the server-side one, which should always fire first. */
const DRIVER_TIMEOUT_MARGIN_MS = 1000;

export interface Db extends Runner {
  readonly stats: SqlStats;
  /** Resolves true when the database answers `SELECT 1` within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Pool connections: in use and requests waiting for one. */
  poolUsage(): PoolUsage;
  destroy(): Promise<void>;
}

export function createDb(config: Config, stats = new SqlStats()): Db {
  const server = createServerPool(config.database, config.dbPoolSize, config.limits);
  const watchdog = new StatementWatchdog(config.limits.statementTimeoutMs + DRIVER_TIMEOUT_MARGIN_MS);
  const runner = createRunner(server, stats, watchdog);
  return {
    executeQuery: runner.executeQuery,
    transaction: runner.transaction,
    stats,
    ping: (timeoutMs) => server.ping(timeoutMs),
    poolUsage: () => server.usage(),
    destroy: () => server.end(),
  };
}
