// Which gw_test_* databases on the server belong to a live test run. Each run
// (test/support/global-setup.ts) holds the named lock runLockName(run) on a
// connection of its own while it lives and names its databases
// gw_test_<run>_<label>; a database whose run's lock is free, or one of the
// old gw_test_<label> naming, belongs to nobody and is a leftover.
import type mysql from 'mysql2/promise';

/** gw_test_<run>_<label>: the run id is `r` and 7 base-36 characters. */
const RUN_DATABASE = /^gw_test_(r[0-9a-z]{7})_/;

export function runLockName(runId: string): string {
  return `gw_test_run_${runId}`;
}

export async function testDatabases(conn: mysql.Connection): Promise<string[]> {
  const [rows] = (await conn.query("SHOW DATABASES LIKE 'gw\\_test\\_%'")) as any;
  return (rows as Record<string, string>[]).map((row) => Object.values(row)[0]!);
}

export async function dropDatabases(conn: mysql.Connection, which: (name: string) => boolean): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of await testDatabases(conn)) {
    if (!which(name)) continue;
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    dropped.push(name);
  }
  return dropped;
}

/** Drops every gw_test_* database no live run owns; returns their names. */
export async function dropLeftovers(conn: mysql.Connection): Promise<string[]> {
  const free = new Map<string, boolean>();
  for (const name of await testDatabases(conn)) {
    const runId = RUN_DATABASE.exec(name)?.[1];
    if (runId && !free.has(runId)) {
      const [[row]] = (await conn.query('SELECT IS_FREE_LOCK(?) AS free', [runLockName(runId)])) as any;
      free.set(runId, Number(row.free) === 1);
    }
  }
  return dropDatabases(conn, (name) => {
    const runId = RUN_DATABASE.exec(name)?.[1];
    return runId === undefined || free.get(runId) !== false;
  });
}
