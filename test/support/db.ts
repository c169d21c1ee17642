// A real MariaDB/MySQL database per test file, migrated with the real
// migrations. TEST_DATABASE_URL (default mysql://root@127.0.0.1:3306) names
// the server; each file gets `gw_test_<run>_<label>` (the run's id comes from
// test/support/global-setup.ts), dropped again when the file is done.
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import { configWith, loadConfig, type Config } from '../../src/config.ts';
import { COUNTER_TABLES } from '../../src/db/counters.ts';
import { migrate } from '../../src/db/startup.ts';

export function testServerUrl(): URL {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/');
  url.pathname = '/';
  return url;
}

/** The name of this run's test database for `label`: gw_test_<run>_<label>, at most 64 characters. */
export function testDatabaseName(label: string): string {
  return `gw_test_${inject('testRunId')}_${label.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 64);
}

/** Databases this test file created; test/support/setup.ts drops them once the file is done. */
const created = new Set<string>();

/** Marks `name` as this file's, to be dropped after its tests (for databases made without createTestDatabase). */
export function ownDatabase(name: string): void {
  created.add(name);
}

export async function dropOwnDatabases(): Promise<void> {
  if (created.size === 0) return;
  const admin = await adminConnection();
  try {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    created.clear();
  } finally {
    await admin.end();
  }
}

/** Drops and recreates this run's database for `label`, applies the migrations, returns a Config for it. */
export async function createTestDatabase(label: string, overrides: Parameters<typeof configWith>[1] = {}): Promise<Config> {
  const name = testDatabaseName(label);
  const url = testServerUrl();
  url.pathname = `/${name}`;
  const admin = await adminConnection();
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.end();
  created.add(name);
  const config = configWith(loadConfig({}), { databaseUrl: url.toString(), logLevel: 'silent', port: 0, ...overrides });
  await migrate(config);
  return config;
}

export async function adminConnection(database?: string) {
  const url = testServerUrl();
  return mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: true,
  });
}

/** A direct connection to the test database, for arranging rows and checking tables. */
export async function sqlConnection(config: Config) {
  return adminConnection(config.database.name);
}

/**
 * Empties the four tables, and the counters (src/db/counters.ts) with them:
 * TRUNCATE fires no trigger, so counters left behind would count rows gone.
 */
export async function truncateAll(conn: mysql.Connection): Promise<void> {
  const counters = Object.keys(COUNTER_TABLES).map((table) => `TRUNCATE ${table};`).join(' ');
  await conn.query(
    `SET FOREIGN_KEY_CHECKS = 0; TRUNCATE order_items; TRUNCATE orders; TRUNCATE products; TRUNCATE users; ${counters} SET FOREIGN_KEY_CHECKS = 1;`,
  );
}
