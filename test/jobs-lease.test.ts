// The fence that makes a job's rows exactly-once, without timing: a worker
// whose lease was taken over cannot commit a single batch (its checkpoint
// matches no row, so the batch rolls back), and the new holder imports every
// row once. The claim itself: one job, one holder, however many claim at once.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { createDb, type Db } from '../src/db/pool.ts';
import { createLogger } from '../src/logger.ts';
import { ADMIN_WITHOUT_USER } from '../src/viewer.ts';
import { createImportJob } from '../src/jobs/create-import-job.ts';
import { runImportJob } from '../src/jobs/import-job.ts';
import type { JobContext } from '../src/jobs/job-context.ts';
import { claimJob, findJob } from '../src/jobs/job.repository.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { rows } from './support/fixtures.ts';

let config: Config;
let conn: mysql.Connection;
let db: Db;

beforeAll(async () => {
  config = await createTestDatabase('jobs_lease');
  conn = await sqlConnection(config);
  db = createDb(config);
});
afterAll(async () => {
  await db?.destroy();
  await conn?.end();
});
beforeEach(async () => {
  await conn.query('DELETE FROM jobs');
  await truncateAll(conn);
});

const context = (owner: string): JobContext => ({ db, owner, leaseMs: 60_000, log: createLogger('silent'), stopping: () => false, onProgress: () => {} });

async function usersJob(count: number) {
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ name: `U${i}`, email: `u${i}@example.com` }));
  return createImportJob(db, [Buffer.from(lines.join('\n'))], { kind: 'users', format: 'ndjson', onConflict: 'fail', historical: false, batchSize: 10, fileName: 'users.ndjson' }, ADMIN_WITHOUT_USER, 1 << 20);
}

describe('the lease fence', () => {
  it('a worker that lost its job commits nothing; the worker holding it imports every row once', async () => {
    const job = await usersJob(95);
    const a = await claimJob(db, 'worker-a', 60_000);
    expect(a?.id).toBe(job.id);
    // A's lease lapses (its process hangs) and B takes the job over.
    await conn.query('UPDATE jobs SET lease_expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [job.id]);
    const b = await claimJob(db, 'worker-b', 60_000);
    expect(b?.id).toBe(job.id);

    expect(await runImportJob(context('worker-a'), a!)).toEqual({ kind: 'lost' });
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '0' }]);

    const outcome = await runImportJob(context('worker-b'), b!);
    expect(outcome).toMatchObject({ kind: 'finished', status: 'SUCCEEDED', report: { rows: { read: 95, inserted: 95, failed: 0 }, batches: 10 } });
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '95' }]);
    expect((await findJob(db, job.id))!.rows_done).toBe(95);
  });

  it('a batch committed twice is impossible: a worker that thinks the job stands elsewhere rolls back', async () => {
    const job = await usersJob(30);
    const claimed = (await claimJob(db, 'worker-a', 60_000))!;
    // Another attempt of the same holder already did the first 20 rows (its checkpoint says so) ...
    const first = await runImportJob({ ...context('worker-a'), stopping: (() => { let n = 0; return () => n++ >= 2; })() }, claimed);
    expect(first).toEqual({ kind: 'released' });
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '20' }]);
    // ... and a copy of the job as it was before (rows_done 0) tries again: its first batch does not match.
    expect(await runImportJob(context('worker-a'), claimed)).toEqual({ kind: 'lost' });
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '20' }]);
    // From the stored checkpoint it goes on where it stood.
    const resumed = await runImportJob(context('worker-a'), (await findJob(db, job.id))!);
    expect(resumed).toMatchObject({ kind: 'finished', status: 'SUCCEEDED', report: { rows: { read: 30, inserted: 30 } } });
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '30' }]);
  });

  it('of many concurrent claims, each job goes to exactly one claimer', async () => {
    const jobs = await Promise.all(Array.from({ length: 5 }, () => usersJob(1)));
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claimJob(db, `claimer-${i}`, 60_000)));
    const won = claims.filter((c) => c !== null).map((c) => c!.id).sort();
    expect(won).toEqual(jobs.map((j) => j.id).sort());
  });
});
