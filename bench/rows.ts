// Rows read by the database for one bench database, from MariaDB's user statistics
// (information_schema.TABLE_STATISTICS: ROWS_READ per schema and table). The global
// Handler_read_* counters count every database on the server, and other engineers' tests run
// beside the bench; this one counts only the bench database, which only the server under load
// touches while a round runs. Read before and after a round and subtracted: the counters are
// never flushed (FLUSH TABLE_STATISTICS would reset them for everyone).
//
// What a row is: each row the storage engine hands to the server, from a table or an index
// (a primary-key lookup is 1; a COUNT(*) over 50,000 orders is 50,000; a range of 21 is 21).
// Rows of the server's own temporary tables (derived tables, GROUP_CONCAT buffers, sorts) are not
// in it. MySQL has no such table; there this reads null and the column shows n/a.
import mysql from 'mysql2/promise';

/** Tables of the bench database that are bookkeeping, not data a request reads. */
const IGNORED = /^(kysely_migration|kysely_migration_lock|bench_seed)$/;

export interface RowsRead {
  total: number;
  byTable: Record<string, number>;
}

/**
 * Turns user statistics on for a bench run (`userstat` is a dynamic global that only adds
 * counting) and gives back how to put it as it was: a run leaves the server as it found it.
 * Null on servers without it (MySQL): rows read then show n/a.
 */
export async function enableUserStatistics(serverUrl: string): Promise<{ restore: () => Promise<void> } | null> {
  const conn = await mysql.createConnection(serverUrl);
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@global.userstat AS on_');
    if (Number(rows[0]?.on_) === 1) return { restore: async () => undefined };
    await conn.query('SET GLOBAL userstat = 1');
    return {
      restore: async () => {
        const c = await mysql.createConnection(serverUrl);
        await c.query('SET GLOBAL userstat = 0').finally(() => c.end());
      },
    };
  } catch {
    return null;
  } finally {
    await conn.end();
  }
}

/** Rows read so far from the tables of `schema`, or null when user statistics are not available or off. */
export async function rowsRead(conn: mysql.Connection, schema: string): Promise<RowsRead | null> {
  try {
    const [on] = await conn.query<mysql.RowDataPacket[]>('SELECT @@global.userstat AS on_');
    if (Number(on[0]?.on_) !== 1) return null;
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t, ROWS_READ AS n FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?',
      [schema],
    );
    const byTable: Record<string, number> = {};
    let total = 0;
    for (const r of rows) {
      const table = String(r.t);
      if (IGNORED.test(table)) continue;
      byTable[table] = Number(r.n);
      total += Number(r.n);
    }
    return { total, byTable };
  } catch {
    return null;
  }
}

/** after - before, per table; null if either is, or if the counters went back (someone flushed them meanwhile). */
export function rowsDelta(before: RowsRead | null, after: RowsRead | null): RowsRead | null {
  if (!before || !after) return null;
  const byTable: Record<string, number> = {};
  for (const [table, n] of Object.entries(after.byTable)) {
    const d = n - (before.byTable[table] ?? 0);
    if (d < 0) return null;
    if (d !== 0) byTable[table] = d;
  }
  return { total: after.total - before.total, byTable };
}

/** A reader of one schema's counters over its own connection (to the server, no database selected). */
export class RowsCounter {
  private constructor(readonly conn: mysql.Connection, readonly schema: string) {}

  static async open(serverUrl: string, schema: string): Promise<RowsCounter> {
    return new RowsCounter(await mysql.createConnection(serverUrl), schema);
  }

  read(): Promise<RowsRead | null> {
    return rowsRead(this.conn, this.schema);
  }

  close(): Promise<void> {
    return this.conn.end();
  }
}
