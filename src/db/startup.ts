// Start-up against a database that may not be up yet: retry with exponential
// back-off, log one line per attempt, never a stack trace.
import { Kysely, MysqlDialect } from 'kysely';
import mysql from 'mysql2';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ensureDatabase, migrateToLatest } from './migrate.ts';
import { isUnreachableCode } from './driver-errors.ts';

export async function waitForDatabase(
  config: Config,
  log: Logger,
  options: { migrate: boolean; maxDelayMs?: number },
): Promise<void> {
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      if (options.migrate) {
        const applied = await migrate(config);
        log.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');
      } else {
        await ensureDatabase(config.database);
      }
      return;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!isUnreachableCode(code)) {
        const message = error instanceof Error ? error.message : String(error);
        log.fatal({ code }, `cannot prepare the database: ${message}`);
        process.exit(1);
      }
      log.warn({ attempt, code, retryInMs: delay }, `database ${config.database.host}:${config.database.port} unreachable (${code}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 10_000);
    }
  }
}

/** Creates the database if missing and applies pending migrations; returns their names. */
export async function migrate(config: Config): Promise<string[]> {
  await ensureDatabase(config.database);
  const { host, port, user, password, name } = config.database;
  const db = new Kysely<unknown>({
    dialect: new MysqlDialect({
      pool: mysql.createPool({ host, port, user, password, database: name, connectionLimit: 1, timezone: 'Z', multipleStatements: false }),
    }),
  });
  try {
    return (await migrateToLatest(db)).applied;
  } finally {
    await db.destroy();
  }
}
