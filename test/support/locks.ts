// Watching InnoDB lock waits of one test database, to stage contention
// deterministically (wait until a transaction is blocked, then act).
import type mysql from 'mysql2/promise';

/**
 * Transactions of connections using `database` that are waiting for a row lock.
 * InnoDB refreshes INNODB_TRX only after 100 ms without a read, so poll slower than that.
 */
export async function lockWaits(conn: mysql.Connection, database: string): Promise<number> {
  const [rows] = await conn.query(
    `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t
       JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
      WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?`,
    [database],
  );
  return Number((rows as { n: string }[])[0]!.n);
}

/** Polls `condition` until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 5000, intervalMs = 150): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
