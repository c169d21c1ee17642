// The job API over real HTTP: importFile through the GraphQL multipart
// request spec (Node's fetch with FormData, a real multipart client), job /
// jobs / cancelJob, jobProgress over SSE, and exportOrders with its file
// downloaded, streamed, at the URL the job gives. Limits, formats and kinds
// are refused before a job exists; an over-size upload before it is stored.
import { request as httpRequest } from 'node:http';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../src/config.ts';
import { startJobWorkers, type JobWorkers } from '../src/jobs/start.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { insertOrder, insertProduct, insertUser, rows } from './support/fixtures.ts';
import { seenErrors, startTestServer, type TestServer } from './support/server.ts';
import { subscribe } from './support/sse.ts';

vi.setConfig({ testTimeout: 120_000 });

const MAX_UPLOAD = 512 * 1024;
let config: Config;
let conn: mysql.Connection;
let server: TestServer;
let workers: JobWorkers;

beforeAll(async () => {
  config = await createTestDatabase('jobs_graphql', { jobs: { workers: 1, maxUploadBytes: MAX_UPLOAD, pollMs: 100, leaseMs: 5000, retentionHours: 72 } });
  conn = await sqlConnection(config);
  workers = startJobWorkers(config, createLogger('silent'));
  server = await startTestServer(config, { jobs: workers });
});
afterAll(async () => {
  await server?.close();
  await workers?.close(1000);
  await conn?.end();
});
beforeEach(async () => {
  await conn.query('DELETE FROM jobs');
  await truncateAll(conn);
});

const JOB_FIELDS = 'id type status progress { rowsDone rowsTotal fraction } rows { read inserted updated skipped failed } error attempts createdAt startedAt finishedAt resultUrl';
const IMPORT = `mutation($file: File!, $kind: ImportKind!, $onConflict: OnConflict, $historical: Boolean) {
  importFile(file: $file, kind: $kind, onConflict: $onConflict, historical: $historical) { ${JOB_FIELDS} }
}`;

/** A GraphQL multipart request (operations, map, the file) sent by Node's fetch. */
async function upload(content: string | Uint8Array<ArrayBuffer>, fileName: string, variables: Record<string, unknown>) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: IMPORT, variables: { ...variables, file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([content]), fileName);
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers: { 'graphql-require-preflight': '1' } });
  const body = (await res.json()) as any;
  if (body.errors) seenErrors.push(...body.errors);
  return { status: res.status, body };
}

async function waitForJob(id: string, withinMs = 60_000): Promise<any> {
  const until = Date.now() + withinMs;
  for (;;) {
    const { body } = await server.gql(`query($id: ID!) { job(id: $id) { ${JOB_FIELDS} errors(first: 100) { totalCount nodes { line field code message } } } }`, { id });
    const job = body.data.job;
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const jobCount = async () => Number((await rows(conn, 'SELECT COUNT(*) AS n FROM jobs'))[0].n);
const fileCount = async () => Number((await rows(conn, 'SELECT COUNT(*) AS n FROM job_files'))[0].n);

describe('importFile', () => {
  it('queues the upload and returns its job at once; the job imports the file with the mutations’ rules', async () => {
    const csv = 'name,email\r\n"Zoë 🎉",zoe@example.com\r\nBad,not-an-email\r\n,empty@example.com\r\nAnn,ann@example.com\r\n';
    const { status, body } = await upload(csv, 'users.csv', { kind: 'USERS' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const queued = body.data.importFile;
    expect(queued).toMatchObject({ type: 'IMPORT', finishedAt: null, error: null });
    expect(['QUEUED', 'RUNNING']).toContain(queued.status);

    const done = await waitForJob(queued.id);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      progress: { rowsDone: 4, rowsTotal: 4, fraction: 1 },
      rows: { read: 4, inserted: 2, updated: 0, skipped: 0, failed: 2 },
      attempts: 1,
      resultUrl: null,
    });
    expect(done.errors).toEqual({
      totalCount: 2,
      nodes: [
        { line: 3, field: 'email', code: 'BAD_USER_INPUT', message: 'email must look like name@domain.tld, but got "not-an-email"' },
        { line: 4, field: 'name', code: 'BAD_USER_INPUT', message: 'name must be 1 to 100 characters long, but got 0' },
      ],
    });
    expect(await rows(conn, 'SELECT name, email FROM users ORDER BY id')).toEqual([
      { name: 'Zoë 🎉', email: 'zoe@example.com' },
      { name: 'Ann', email: 'ann@example.com' },
    ]);
  });

  it('streams progress over SSE with jobProgress until the job ends', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ sku: `S-${i}`, name: `P ${i}`, price: '1.00', stock: i }));
    const { body } = await upload(lines.join('\n'), 'products.ndjson', { kind: 'PRODUCTS' });
    const id = body.data.importFile.id;
    const events = await subscribe(server.url, 'subscription($id: ID!) { jobProgress(id: $id) { id status progress { rowsDone rowsTotal } } }', { id });
    const seen: any[] = [];
    for (;;) {
      const event = await events.next(60_000);
      seen.push(event.data.jobProgress);
      if (event.data.jobProgress.status === 'SUCCEEDED') break;
    }
    events.close();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toEqual({ id, status: 'SUCCEEDED', progress: { rowsDone: 2500, rowsTotal: 2500 } });
    const done = seen.map((e) => e.progress.rowsDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM products')).toEqual([{ n: '2500' }]);
  });

  it('refuses an upload over MAX_UPLOAD_BYTES before storing any of it, with or without a Content-Length', async () => {
    const big = new Uint8Array(MAX_UPLOAD + 1024 * 1024).fill(97);
    const declared = await upload(big, 'users.csv', { kind: 'USERS' });
    expect(declared.status).toBe(413);
    expect(declared.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'uploadBytes', max: MAX_UPLOAD });

    // Chunked, no Content-Length: the multipart parser stops the file at the limit.
    const boundary = 'xBOUNDARYx';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: IMPORT, variables: { kind: 'USERS', file: null } })}\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="users.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const streamed = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'graphql-require-preflight': '1' } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.write(head);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(MAX_UPLOAD / 2, 'b'));
      req.end(`\r\n--${boundary}--\r\n`);
    });
    seenErrors.push(...(streamed.body.errors ?? []));
    expect(streamed.status).toBe(413);
    expect(streamed.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await jobCount()).toBe(0);
    expect(await fileCount()).toBe(0);
  });

  it('refuses unknown formats, kinds and option mixes with BAD_USER_INPUT before a job exists', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['users.xlsx', { kind: 'USERS' }, /^file must be named \.csv \(with a header row\), \.ndjson or \.jsonl \(one JSON object a line\), but got "users\.xlsx"$/],
      ['users.csv', { kind: 'CUSTOMERS' }, /ImportKind/],
      ['users.csv', { kind: 'USERS', historical: true }, /^historical applies to ORDERS only, but kind is USERS$/],
      ['orders.csv', { kind: 'ORDERS', onConflict: 'UPDATE' }, /^onConflict UPDATE replaces orders only with historical: true/],
    ];
    for (const [name, variables, message] of cases) {
      const { body } = await upload('name,email\n', name, variables);
      expect(body.errors?.[0]?.message).toMatch(message);
      expect(body.errors[0].extensions.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    }
    const empty = await upload('', 'users.csv', { kind: 'USERS' });
    expect(empty.body.errors[0]).toMatchObject({ message: 'file is empty', extensions: { code: 'BAD_USER_INPUT', field: 'file' } });
    expect(await jobCount()).toBe(0);
  });
});

describe('job, jobs and cancelJob', () => {
  it('pages jobs by id with a status filter; an unknown job is NOT_FOUND; a finished one cannot be cancelled', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await upload(`name,email\nU${i},u${i}@example.com\n`, 'users.csv', { kind: 'USERS' })).body.data.importFile.id);
    for (const id of ids) await waitForJob(id);
    const page1 = await server.gql('{ jobs(first: 2, status: SUCCEEDED) { totalCount nodes { id status } pageInfo { hasNextPage endCursor } } }');
    expect(page1.body.data.jobs).toMatchObject({ totalCount: 3, nodes: ids.slice(0, 2).map((id) => ({ id, status: 'SUCCEEDED' })), pageInfo: { hasNextPage: true } });
    const page2 = await server.gql('query($after: String) { jobs(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage hasPreviousPage } } }', { after: page1.body.data.jobs.pageInfo.endCursor });
    expect(page2.body.data.jobs).toEqual({ nodes: [{ id: ids[2] }], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    expect((await server.gql('{ jobs(status: FAILED) { totalCount } }')).body.data.jobs.totalCount).toBe(0);

    const unknown = await server.gql('{ job(id: "99999") { id } }');
    expect(unknown.body).toMatchObject({ data: { job: null }, errors: [{ message: 'No job with id "99999"', extensions: { code: 'NOT_FOUND' } }] });
    const finished = await server.gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: ids[0] });
    expect(finished.body.errors![0]).toMatchObject({ message: `Job ${ids[0]} has already ended (SUCCEEDED); only a QUEUED or RUNNING job can be cancelled`, extensions: { code: 'CONFLICT' } });
    const bad = await server.gql('{ job(id: "x") { id } }');
    expect(bad.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });
});

describe('exportOrders', () => {
  it('writes the filtered orders to a file downloadable, streamed, at the job’s resultUrl (CSV and NDJSON)', async () => {
    const ann = await insertUser(conn, 'Ann', 'ann@example.com');
    const pen = await insertProduct(conn, 'PEN-1', 'Pen, blue', '1.50', 10);
    const paid = await insertOrder(conn, ann, [{ productId: pen, quantity: 2, unitPrice: '1.50' }], 'PAID', '2026-01-02 03:04:05.678');
    await insertOrder(conn, ann, [{ productId: pen, quantity: 1, unitPrice: '1.50' }], 'CANCELLED');

    const csvJob = (await server.gql(`mutation { exportOrders(filter: { status: PAID }, format: CSV) { id type status } }`)).body.data.exportOrders;
    expect(csvJob.type).toBe('EXPORT_ORDERS');
    const csvDone = await waitForJob(csvJob.id);
    expect(csvDone).toMatchObject({ status: 'SUCCEEDED', progress: { rowsDone: 1, rowsTotal: 1 } });
    const csv = await fetch(`${server.url}${csvDone.resultUrl}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toBe(`id,userId,status,total,createdAt,items\n${paid},${ann},PAID,3.00,2026-01-02T03:04:05.678Z,"[{""productId"":""${pen}"",""quantity"":2,""unitPrice"":""1.50""}]"\n`);

    const ndjsonJob = (await server.gql(`mutation { exportOrders(format: NDJSON) { id } }`)).body.data.exportOrders;
    const ndjsonDone = await waitForJob(ndjsonJob.id);
    const lines = (await (await fetch(`${server.url}${ndjsonDone.resultUrl}`)).text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.status)).toEqual(['PAID', 'CANCELLED']);

    const wrongToken = await fetch(`${server.url}/jobs/${ndjsonJob.id}/result?token=guess`);
    expect(wrongToken.status).toBe(404);
  });
});
