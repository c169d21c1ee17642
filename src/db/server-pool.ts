// The mysql2 pool of one database server: its connections prepared with the
// session settings, a bounded wait for a free one, a health probe and usage
// figures for /metrics.
import mysql, { type Pool, type PoolConnection } from 'mysql2';
import type { DatabaseTarget, Limits } from '../config.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { poolOptions, prepareConnection } from './session-settings.ts';

export interface PoolUsage {
  total: number;
  inUse: number;
  idle: number;
  waiting: number;
}

export interface ServerPool {
  /** A connection within POOL_WAIT_MS (SERVICE_UNAVAILABLE after it), or the driver's error. */
  acquire(callback: (error: unknown, connection?: PoolConnection) => void): void;
  /** Resolves true when the server answers `SELECT 1` within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  usage(): PoolUsage;
  end(): Promise<void>;
}

export function createServerPool(target: DatabaseTarget, size: number, limits: Pick<Limits, 'poolWaitMs' | 'statementTimeoutMs'>): ServerPool {
  const pool: Pool = mysql.createPool(poolOptions(target, size, limits));
  pool.on('connection', (connection) => prepareConnection(connection, limits.statementTimeoutMs));
  // Without a listener a lost idle connection would be an uncaught 'error'.
  pool.on('error' as 'connection', () => {});
  // mysql2 keeps these as internal arrays/queues; read defensively.
  const internal = pool as unknown as {
    _allConnections?: { length: number };
    _freeConnections?: { length: number };
    _connectionQueue?: { length: number };
  };

  return {
    acquire(callback) {
      // A free connection is handed over at once: no wait to bound.
      if ((internal._freeConnections?.length ?? 0) > 0) return pool.getConnection(callback);
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(new ServiceUnavailableError('No database connection became free in time; try again shortly.'));
      }, limits.poolWaitMs);
      pool.getConnection((error, connection) => {
        if (settled) {
          connection?.release();
          return;
        }
        settled = true;
        clearTimeout(timer);
        callback(error, connection);
      });
    },
    ping(timeoutMs = 1000) {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        pool.query({ sql: 'SELECT 1', timeout: timeoutMs }, (err) => {
          clearTimeout(timer);
          resolve(!err);
        });
      });
    },
    usage() {
      const total = internal._allConnections?.length ?? 0;
      const idle = internal._freeConnections?.length ?? 0;
      return { total, idle, inUse: total - idle, waiting: internal._connectionQueue?.length ?? 0 };
    },
    end() {
      return new Promise<void>((resolve, reject) => pool.end((error) => (error ? reject(error) : resolve())));
    },
  };
}
