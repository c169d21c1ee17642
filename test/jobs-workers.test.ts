// The durable job queue with real worker processes (`npm run worker`) on a
// real database: a worker killed with SIGKILL in the middle of a job leaves
// exactly its committed batches, and the job, taken over once its lease
// lapses, ends with every row imported exactly once; two gateway processes
// with workers share many uploaded jobs, each run once, none lost; cancelJob stops a running job at its next
// batch and keeps (and counts) what was committed.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../src/config.ts';
import { createDb, type Db } from '../src/db/pool.ts';
import { createImportJob } from '../src/jobs/create-import-job.ts';
import type { ImportJobParams } from '../src/jobs/import-job.ts';
import { findJob, requestCancel, type JobRow } from '../src/jobs/job.repository.ts';
import { ADMIN_WITHOUT_USER } from '../src/viewer.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { insertProduct, insertUser, rows } from './support/fixtures.ts';
import { killIfRunning, spawnGateway, spawnTsx, type GatewayProcess } from './support/process.ts';

vi.setConfig({ testTimeout: 300_000 });

let config: Config;
let conn: mysql.Connection;
let db: Db;
const workers: GatewayProcess[] = [];

beforeAll(async () => {
  config = await createTestDatabase('jobs_workers');
  conn = await sqlConnection(config);
  db = createDb(config);
});
afterAll(async () => {
  for (const worker of workers) killIfRunning(worker);
  await db?.destroy();
  await conn?.end();
});
beforeEach(async () => {
  for (const worker of workers.splice(0)) {
    killIfRunning(worker);
    await worker.exited;
  }
  await conn.query('DELETE FROM jobs');
  await truncateAll(conn);
});

function startWorker(env: Record<string, string> = {}): GatewayProcess {
  const worker = spawnTsx('src/cli/worker.ts', [], {
    DATABASE_URL: config.databaseUrl,
    LOG_LEVEL: 'info',
    JOB_WORKERS: '1',
    JOB_LEASE_MS: '1500',
    JOB_POLL_MS: '100',
    MIGRATE_ON_START: 'false',
    ...env,
  });
  workers.push(worker);
  return worker;
}

async function enqueue(lines: string[], params: Partial<Omit<ImportJobParams, 'bytes'>> = {}): Promise<JobRow> {
  const body = (async function* () {
    // In pieces, as an upload arrives.
    const text = Buffer.from(`${lines.join('\n')}\n`);
    for (let i = 0; i < text.length; i += 64 * 1024) yield text.subarray(i, i + 64 * 1024);
  })();
  return createImportJob(db, body, { kind: 'users', format: 'ndjson', onConflict: 'skip', historical: false, batchSize: 100, fileName: 'users.ndjson', ...params }, ADMIN_WITHOUT_USER, 1024 * 1024 * 1024);
}

async function waitForJob(id: string, done: (job: JobRow) => boolean, withinMs = 240_000): Promise<JobRow> {
  const until = Date.now() + withinMs;
  for (;;) {
    const job = (await findJob(db, id))!;
    if (done(job)) return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.status} at ${job.rows_done}/${job.rows_total} after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const count = async (sql: string) => Number((await rows(conn, sql))[0].n);

describe('a worker killed in the middle of a job', () => {
  it('leaves exactly its committed batches; after a restart the job finishes with every row imported exactly once', async () => {
    const userId = await insertUser(conn, 'Buyer', 'buyer@example.com');
    const productId = await insertProduct(conn, 'P-1', 'P', '1.00', 0);
    // Past orders without ids: every row is a new order, so a row imported twice would be a second order.
    const total = 12_000;
    const start = Date.UTC(2024, 0, 1);
    const lines = Array.from({ length: total }, (_, i) =>
      JSON.stringify({ userId, createdAt: new Date(start + i * 1000).toISOString(), status: 'PAID', items: [{ productId, quantity: 1 + (i % 5), unitPrice: '1.00' }] }),
    );
    const job = await enqueue(lines, { kind: 'orders', historical: true, fileName: 'orders.ndjson', batchSize: 50 });

    const first = startWorker();
    await waitForJob(job.id, (j) => j.rows_done >= 1000);
    first.child.kill('SIGKILL');
    await first.exited;

    // What the dead worker committed is exactly its checkpoint.
    const atKill = (await findJob(db, job.id))!;
    expect(atKill.status).toBe('RUNNING');
    expect(atKill.rows_done).toBeLessThan(total);
    expect(await count('SELECT COUNT(*) AS n FROM orders')).toBe(atKill.rows_done);

    startWorker();
    const finished = await waitForJob(job.id, (j) => j.status !== 'RUNNING' && j.status !== 'QUEUED');
    expect({ status: finished.status, error: finished.error }).toEqual({ status: 'SUCCEEDED', error: null });
    expect(finished.attempts).toBe(2);
    expect(finished.rows_done).toBe(total);
    expect(finished.report).toMatchObject({ rows: { read: total, inserted: total, failed: 0 }, rowsTotal: total });
    expect(await count('SELECT COUNT(*) AS n FROM orders')).toBe(total);
    expect(await count('SELECT COUNT(DISTINCT created_at) AS n FROM orders')).toBe(total);
    expect(await count('SELECT SUM(quantity) AS n FROM order_items')).toBe(lines.reduce((sum, _l, i) => sum + 1 + (i % 5), 0));
    const [edges] = await rows(conn, 'SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM orders');
    expect(edges).toEqual({ first: '2024-01-01 00:00:00.000', last: new Date(start + (total - 1) * 1000).toISOString().replace('T', ' ').replace('Z', '') });
  });
});

describe('two gateway processes with workers and many queued jobs', () => {
  it('run each job exactly once and lose none, whichever gateway took the upload', async () => {
    const env = { DATABASE_URL: config.databaseUrl, LOG_LEVEL: 'info', PORT: '0', JOB_WORKERS: '2', JOB_LEASE_MS: '1500', JOB_POLL_MS: '100', MIGRATE_ON_START: 'false' };
    const a = spawnGateway(env);
    const b = spawnGateway(env);
    workers.push(a, b);
    const urls: string[] = [];
    for (const gateway of [a, b]) {
      const listening = (await gateway.waitForLine((_line, json) => json?.msg?.startsWith('listening on') === true, 60_000)) as { port: number };
      urls.push(`http://127.0.0.1:${listening.port}`);
    }
    // Twelve uploads through the GraphQL multipart request, alternately to each gateway.
    const ids: string[] = [];
    for (let j = 0; j < 12; j++) {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: 'mutation($file: File!) { importFile(file: $file, kind: USERS) { id status } }', variables: { file: null } }));
      form.set('map', JSON.stringify({ 0: ['variables.file'] }));
      const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ name: `J${j} U${i}`, email: `j${j}-u${i}@example.com` }));
      form.set('0', new Blob([lines.join('\n')]), `batch-${j}-users.ndjson`);
      const res = await fetch(`${urls[j % 2]}/graphql`, { method: 'POST', body: form });
      const body = (await res.json()) as any;
      expect(body.errors).toBeUndefined();
      ids.push(body.data.importFile.id);
    }
    const finished = await Promise.all(ids.map((id) => waitForJob(id, (j) => j.status === 'SUCCEEDED' || j.status === 'FAILED')));
    for (const job of finished) {
      expect({ id: job.id, status: job.status, attempts: job.attempts, rows: job.report?.rows }).toEqual({
        id: job.id,
        status: 'SUCCEEDED',
        attempts: 1,
        rows: { read: 300, inserted: 300, updated: 0, skipped: 0, failed: 0 },
      });
    }
    expect(await count('SELECT COUNT(*) AS n FROM users')).toBe(12 * 300);
    // Each job was started by exactly one of the two processes, and both took part.
    const started = (gateway: GatewayProcess) => gateway.lines.flatMap((line) => (/"msg":"job started"/.test(line) ? [JSON.parse(line).jobId as string] : []));
    const byA = started(a);
    const byB = started(b);
    expect([...byA, ...byB].sort()).toEqual([...ids].sort());
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
  });
});

describe('cancelJob', () => {
  it('stops a running job at its next batch, keeps the committed batches and says how many', async () => {
    const total = 20_000;
    const job = await enqueue(Array.from({ length: total }, (_, i) => JSON.stringify({ name: `U${i}`, email: `u${i}@example.com` })));
    startWorker();
    await waitForJob(job.id, (j) => j.rows_done >= 500);
    await requestCancel(db, job.id);
    const cancelled = await waitForJob(job.id, (j) => j.status !== 'RUNNING');
    expect(cancelled.status).toBe('CANCELLED');
    const landed = await count('SELECT COUNT(*) AS n FROM users');
    expect(landed).toBe(cancelled.rows_done);
    expect(landed).toBeLessThan(total);
    const batches = (cancelled.report as { batches: number }).batches;
    expect(batches).toBe(landed / 100);
    expect(cancelled.error).toBe(
      `cancelled after ${landed} of ${total} rows: the ${batches} batches committed before it stay (${landed} inserted, 0 updated, 0 skipped, 0 failed); the rest of the file was not imported`,
    );
    // Nothing more lands later.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await count('SELECT COUNT(*) AS n FROM users')).toBe(landed);
  });

  it('cancels a queued job at once: it never runs', async () => {
    const job = await enqueue([JSON.stringify({ name: 'A', email: 'a@example.com' })]);
    const cancelled = (await requestCancel(db, job.id)).job!;
    expect(cancelled.status).toBe('CANCELLED');
    startWorker();
    const other = await enqueue([JSON.stringify({ name: 'B', email: 'b@example.com' })]);
    await waitForJob(other.id, (j) => j.status === 'SUCCEEDED');
    expect(await rows(conn, 'SELECT email FROM users')).toEqual([{ email: 'b@example.com' }]);
    expect((await findJob(db, job.id))!.status).toBe('CANCELLED');
  });
});

describe('a file that is not what it claims', () => {
  it('fails its job with the reason, and the worker goes on with the next job', async () => {
    const bad = await enqueue(['sku,title', 'X-1,Not a user'], { format: 'csv', fileName: 'users.csv' });
    const binary = await createImportJob(db, [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x00, 0x0a])], { kind: 'users', format: 'csv', onConflict: 'skip', historical: false, batchSize: 100, fileName: 'users.xlsx.csv' }, ADMIN_WITHOUT_USER, 1 << 20);
    const good = await enqueue([JSON.stringify({ name: 'C', email: 'c@example.com' })]);
    startWorker();
    const [failedHeader, failedBinary, succeeded] = await Promise.all([bad, binary, good].map((job) => waitForJob(job.id, (j) => j.finished_at !== null)));
    expect(failedHeader!.status).toBe('FAILED');
    expect(failedHeader!.error).toMatch(/^users\.csv: line 1: the header has no "name" column/);
    expect(failedBinary!.status).toBe('FAILED');
    expect(failedBinary!.error).toMatch(/^users\.xlsx\.csv: the file is not UTF-8: byte 0xff at byte 5, line 1/);
    expect(succeeded!.status).toBe('SUCCEEDED');
  });
});

describe('retention', () => {
  it('deletes finished jobs with their files and errors once JOB_RETENTION_HOURS have passed, and keeps younger ones', async () => {
    const old = await enqueue([JSON.stringify({ name: 'A', email: 'bad' })]);
    const young = await enqueue([JSON.stringify({ name: 'B', email: 'b@example.com' })]);
    const worker = startWorker();
    await Promise.all([old, young].map((job) => waitForJob(job.id, (j) => j.status === 'SUCCEEDED')));
    expect(await count(`SELECT COUNT(*) AS n FROM job_errors WHERE job_id = ${old.id}`)).toBe(1);
    killIfRunning(worker);
    await worker.exited;
    await conn.query('UPDATE jobs SET finished_at = NOW(3) - INTERVAL 73 HOUR WHERE id = ?', [old.id]);
    const sweeper = startWorker({ JOB_RETENTION_HOURS: '72' });
    await sweeper.waitForLine((_line, json) => json?.msg === 'deleted 1 job(s) past their retention', 60_000);
    expect(await rows(conn, 'SELECT id FROM jobs ORDER BY id')).toEqual([{ id: young.id }]);
    expect(await count(`SELECT COUNT(*) AS n FROM job_files WHERE job_id = ${old.id}`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM job_errors WHERE job_id = ${old.id}`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM job_files WHERE job_id = ${young.id}`)).toBe(1);
  });
});
