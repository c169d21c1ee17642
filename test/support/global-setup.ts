// Once per `npm test` run (vitest globalSetup): gives the run an id that every
// test database name carries (gw_test_<run>_<label>, see test-databases.ts),
// and leaves the database server as the run found it:
// - the run holds its named lock on a connection of its own while it lives,
//   so a run starting beside it keeps its databases;
// - at start, leftovers of crashed runs (and of the old naming) are dropped;
// - each test file drops the databases it created (test/support/setup.ts), and
//   at the end whatever of this run is still there goes too.
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { adminConnection } from './db.ts';
import { dropDatabases, dropLeftovers, runLockName } from './test-databases.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testRunId: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `r${BigInt(`0x${randomBytes(6).toString('hex')}`).toString(36).padStart(7, '0').slice(-7)}`;
  const holder = await adminConnection();
  const [[lock]] = (await holder.query('SELECT GET_LOCK(?, 0) AS got', [runLockName(runId)])) as any;
  if (Number(lock.got) !== 1) throw new Error(`could not take the test run lock ${runLockName(runId)}`);
  await dropLeftovers(holder);
  project.provide('testRunId', runId);

  return async () => {
    try {
      await dropDatabases(holder, (name) => name.startsWith(`gw_test_${runId}_`));
      await holder.query('SELECT RELEASE_LOCK(?)', [runLockName(runId)]);
    } finally {
      await holder.end();
    }
  };
}
