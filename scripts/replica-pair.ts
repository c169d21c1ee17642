// `npm run replicas [-- --database NAME] [--dir DIR]`: a MariaDB primary and a
// read-only replica of it (MariaDB's own GTID replication) in the
// foreground, for trying the gateway with DATABASE_REPLICA_URLS and for CI.
// Prints the environment to use, then runs until Ctrl-C / SIGTERM / SIGHUP,
// which stop both servers cleanly and remove their data. Nothing of the
// machine's own MariaDB (3306) is touched. See test/support/replica-pair/.
import { parseArgs } from 'node:util';
import { startReplicaPair } from '../test/support/replica-pair/index.ts';

const USAGE = `usage: npm run replicas [-- --database NAME] [--dir DIR]
  --database NAME  the database the printed URLs name (default: shop)
  --dir DIR        where the pair's data directories go (default: /dev/shm, else the temp dir)`;

function options(): { database: string; dir: string | undefined } {
  try {
    const { values } = parseArgs({
      options: { database: { type: 'string', default: 'shop' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (!/^[A-Za-z0-9_]{1,64}$/.test(values.database)) {
      throw new Error(`--database must be 1 to 64 letters, digits or underscores, but got ${JSON.stringify(values.database)}`);
    }
    return { database: values.database, dir: values.dir };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const { database, dir } = options();
let pair: Awaited<ReturnType<typeof startReplicaPair>>;
try {
  pair = await startReplicaPair({ baseDir: dir });
} catch (error) {
  console.error(`Could not start the replica pair: ${(error as Error).message}`);
  process.exit(1);
}

const env = pair.env(database);
console.log(
  [
    `primary  ${pair.primaryUrl}  (server id 1, binary log, GTIDs; pid ${pair.primary.pid})`,
    `replica  ${pair.replicaUrl}  (server id 2, read-only, replicating from the primary; pid ${pair.replica.pid})`,
    `data     ${pair.dir}`,
    `started in ${(pair.timings.totalMs / 1000).toFixed(1)} s; for a gateway on database "${database}":`,
    '',
    `DATABASE_URL=${env.DATABASE_URL} DATABASE_REPLICA_URLS=${env.DATABASE_REPLICA_URLS}`,
    '',
    'Ctrl-C stops both servers and removes their data.',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // A second signal while stopping: leave now; the exit handler kills both servers.
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: stopping the replica pair`);
    pair.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Stopping the pair failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  });
}
