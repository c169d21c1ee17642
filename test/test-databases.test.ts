// `npm test` leaves the database server as it found it: each file drops the
// databases it made, and a crashed run's leftovers go at the next run's start,
// while the databases of a run still going beside it stay.
import { afterAll, describe, expect, it } from 'vitest';
import { adminConnection, createTestDatabase, testDatabaseName } from './support/db.ts';
import { dropLeftovers, runLockName, testDatabases } from './support/test-databases.ts';

const crashed = 'gw_test_r0000000_leftover';
const live = 'gw_test_r1111111_other_run';
const oldStyle = 'gw_test_old_style_leftover';

afterAll(async () => {
  const admin = await adminConnection();
  for (const name of [crashed, live, oldStyle]) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.end();
});

describe('test databases', () => {
  it('carry the run id, so two runs side by side never share one', async () => {
    expect(testDatabaseName('read_queries')).toMatch(/^gw_test_r[0-9a-z]{7}_read_queries$/);
  });

  it("at a run's start, drops a crashed run's and old-style databases and keeps a live run's and this run's", async () => {
    const config = await createTestDatabase('test_databases');
    const admin = await adminConnection();
    const otherRun = await adminConnection();
    try {
      for (const name of [crashed, live, oldStyle]) await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
      // Another run, alive: it holds its lock.
      await otherRun.query('SELECT GET_LOCK(?, 0)', [runLockName('r1111111')]);
      const dropped = await dropLeftovers(admin);
      expect(dropped).toEqual(expect.arrayContaining([crashed, oldStyle]));
      const left = await testDatabases(admin);
      expect(left).toContain(live);
      expect(left).toContain(config.database.name);
      expect(left).not.toContain(crashed);
      expect(left).not.toContain(oldStyle);
    } finally {
      await otherRun.end();
      await admin.end();
    }
  });
});
