// `npm run seed [-- --force]`: load demo data into an empty database. Refuses
// (exit 1) when any table has rows, unless --force, which clears them first.
// --if-empty seeds an empty database and leaves a non-empty one alone (exit 0),
// so the quick start can run it every time.
import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db/pool.ts';
import { clearAll, isEmpty, seedDemo } from '../db/seed.ts';
import { migrate } from '../db/startup.ts';

const force = process.argv.includes('--force');
const ifEmpty = process.argv.includes('--if-empty');
let exitCode = 0;
try {
  const config = loadConfig();
  await migrate(config);
  const db = createDb(config);
  try {
    if (!(await isEmpty(db))) {
      if (ifEmpty && !force) {
        console.log(`Database "${config.database.name}" already has data; not seeding.`);
        exitCode = -1;
      } else if (!force) {
        console.error(`seed refused: database "${config.database.name}" already has data; run \`npm run seed -- --force\` to replace it.`);
        exitCode = 1;
      } else {
        await clearAll(db);
      }
    }
    if (exitCode === 0) {
      const counts = await seedDemo(db);
      console.log(`Seeded ${counts.users} users, ${counts.products} products, ${counts.orders} orders (${counts.items} items).`);
    }
  } finally {
    await db.destroy();
  }
} catch (error) {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  console.error(`seed failed: ${message}`);
  exitCode = 1;
}
process.exit(Math.max(exitCode, 0));
