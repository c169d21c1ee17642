// `npm run migrate`: create the database if missing, apply pending migrations, exit 0.
import { ConfigError, loadConfig } from '../config.ts';
import { migrate } from '../db/startup.ts';

try {
  const config = loadConfig();
  const applied = await migrate(config);
  console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : `Database "${config.database.name}" is up to date.`);
  process.exit(0);
} catch (error) {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  console.error(`migrate failed: ${message}`);
  process.exit(1);
}
