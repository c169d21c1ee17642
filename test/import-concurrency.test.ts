// The import's concurrency bound, seen from both sides: the CLI's own count
// of files and SQL statements in flight, and the database server's count of
// the connections the CLI holds open (sampled from information_schema
// while it runs). Never more than --concurrency, and never more than the
// pool (DB_POOL_SIZE) whatever --concurrency asks.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Config } from '../src/config.ts';
import { adminConnection, createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { rows } from './support/fixtures.ts';
import { runImportCli, useTempDir, type CliRun } from './support/import-cli.ts';

vi.setConfig({ testTimeout: 240_000 });

let config: Config;
let conn: mysql.Connection;
const files = useTempDir();

beforeAll(async () => {
  config = await createTestDatabase('import_concurrency');
  conn = await sqlConnection(config);
});
afterAll(async () => {
  await conn?.end();
});

/** Runs the CLI while sampling how many connections to the test database are open; returns the run and the most seen. */
async function runSampled(args: string[], env: Record<string, string> = {}): Promise<{ run: CliRun; maxConnections: number }> {
  const sampler = await adminConnection();
  let maxConnections = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      // The test's own connection to the database is not the CLI's.
      const [[row]] = (await sampler.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> ?', [config.database.name, conn.threadId])) as any;
      maxConnections = Math.max(maxConnections, Number(row.n));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    const run = await runImportCli(config, args, env);
    return { run, maxConnections };
  } finally {
    sampling = false;
    await loop;
    await sampler.end();
  }
}

async function writeUserFiles(count: number, rowsEach: number, prefix: string): Promise<string[]> {
  const written: string[] = [];
  for (let f = 0; f < count; f++) {
    const lines = ['name,email'];
    for (let r = 0; r < rowsEach; r++) lines.push(`User ${f}-${r},${prefix}${f}-${r}@example.com`);
    written.push(await files.write(`${prefix}-${f}-users.csv`, `${lines.join('\n')}\n`));
  }
  return written;
}

describe('the concurrency bound', () => {
  it('holds at --concurrency: files, statements in flight and open connections', async () => {
    await truncateAll(conn);
    const paths = await writeUserFiles(6, 3000, 'c');
    const { run, maxConnections } = await runSampled([...paths, '--concurrency', '2', '--batch', '100', '--report', files.path('c.json')]);
    expect(run.code).toBe(0);
    const report = run.report!;
    expect(report.totals).toMatchObject({ read: 18_000, inserted: 18_000, failed: 0 });
    // Two files at once, and only two: the bound is reached, never passed.
    expect(report.maxFilesInFlight).toBe(2);
    expect(report.maxStatementsInFlight).toBeGreaterThanOrEqual(1);
    expect(report.maxStatementsInFlight).toBeLessThanOrEqual(2);
    expect(maxConnections).toBeGreaterThanOrEqual(1);
    expect(maxConnections).toBeLessThanOrEqual(2);
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '18000' }]);
  });

  it('never passes the pool size, whatever --concurrency asks, and says it lowered it', async () => {
    await truncateAll(conn);
    const paths = await writeUserFiles(6, 1500, 'p');
    const { run, maxConnections } = await runSampled([...paths, '--concurrency', '8', '--batch', '100', '--report', files.path('p.json')], { DB_POOL_SIZE: '3' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('note: --concurrency 8 lowered to 3, the pool size (DB_POOL_SIZE)');
    expect(run.report!.options.concurrency).toBe(3);
    expect(run.report!.maxFilesInFlight).toBe(3);
    expect(run.report!.maxStatementsInFlight).toBeLessThanOrEqual(3);
    expect(maxConnections).toBeLessThanOrEqual(3);
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '9000' }]);
  });
});
