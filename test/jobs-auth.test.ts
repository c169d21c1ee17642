// With authentication on, jobs are for admins (src/access.ts): a customer
// token is FORBIDDEN and no token UNAUTHENTICATED for importFile, job, jobs,
// cancelJob, exportOrders and jobProgress, over real HTTP (the upload as a
// real multipart request), and nothing is queued, stored or cancelled. An
// admin token, signed with the same secret, queues and reads jobs as before.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { rows } from './support/fixtures.ts';
import { sign } from './support/jwks-server.ts';
import { seenErrors, startTestServer, type TestServer } from './support/server.ts';
import { subscribe } from './support/sse.ts';

const SECRET = 'jobs-auth-test-secret-of-at-least-32-bytes!';

let config: Config;
let conn: mysql.Connection;
let server: TestServer;
let admin: Record<string, string>;
let customer: Record<string, string>;
const anonymous: Record<string, string> = {};

beforeAll(async () => {
  config = await createTestDatabase('jobs_auth', { auth: { jwtSecret: SECRET, jwksUrl: null, issuer: null, audience: null } });
  conn = await sqlConnection(config);
  // No workers: a queued job stays QUEUED, so what the refusals leave alone can be seen.
  server = await startTestServer(config);
  const key = new TextEncoder().encode(SECRET);
  admin = { authorization: `Bearer ${await sign({ role: 'admin', sub: 'ops' }, key)}` };
  customer = { authorization: `Bearer ${await sign({ role: 'customer', sub: '1' }, key)}` };
});
afterAll(async () => {
  await server?.close();
  await conn?.end();
});
beforeEach(async () => {
  await conn.query('DELETE FROM jobs');
  await truncateAll(conn);
});

const IMPORT = 'mutation($file: File!) { importFile(file: $file, kind: USERS) { id status } }';

/** importFile as a GraphQL multipart request (Node's fetch and FormData), with these headers. */
async function upload(headers: Record<string, string>) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: IMPORT, variables: { file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob(['name,email\nAnn,ann@example.com\n']), 'users.csv');
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers: { 'graphql-require-preflight': '1', ...headers } });
  const body = (await res.json()) as any;
  if (body.errors) seenErrors.push(...body.errors);
  return body;
}

const counts = async () => ({
  jobs: Number((await rows(conn, 'SELECT COUNT(*) AS n FROM jobs'))[0].n),
  files: Number((await rows(conn, 'SELECT COUNT(*) AS n FROM job_files'))[0].n),
});

/** The one error of a refused operation: its code and the access rule's message. */
function refusal(body: any, operation: string, code: 'FORBIDDEN' | 'UNAUTHENTICATED') {
  expect(body.errors, JSON.stringify(body)).toHaveLength(1);
  expect(body.errors[0]).toMatchObject({
    message: code === 'FORBIDDEN' ? `${operation} is for admins; a customer token may not run it.` : `${operation} needs a token: send "Authorization: Bearer <token>".`,
    extensions: { code },
  });
  expect(body.data?.[operation] ?? null).toBeNull();
}

describe.each([
  ['a customer token', () => customer, 'FORBIDDEN'],
  ['no token', () => anonymous, 'UNAUTHENTICATED'],
] as const)('with authentication on, %s', (_who, headers, code) => {
  it(`is ${code} for importFile and exportOrders, and nothing is queued or stored`, async () => {
    refusal(await upload(headers()), 'importFile', code);
    refusal((await server.gql('mutation { exportOrders(format: NDJSON) { id } }', {}, { headers: headers() })).body, 'exportOrders', code);
    // Refused before their arguments are looked at: a malformed filter is not even BAD_USER_INPUT.
    refusal((await server.gql('mutation { exportOrders(filter: { userId: "x" }) { id } }', {}, { headers: headers() })).body, 'exportOrders', code);
    expect(await counts()).toEqual({ jobs: 0, files: 0 });
  });

  it(`is ${code} for job, jobs, cancelJob and jobProgress, and an admin's job stays as it was`, async () => {
    const queued = (await upload(admin)).data.importFile;
    expect(queued.status).toBe('QUEUED');
    refusal((await server.gql('query($id: ID!) { job(id: $id) { id status } }', { id: queued.id }, { headers: headers() })).body, 'job', code);
    refusal((await server.gql('{ jobs { totalCount nodes { id } } }', {}, { headers: headers() })).body, 'jobs', code);
    refusal((await server.gql('mutation($id: ID!) { cancelJob(id: $id) { id status } }', { id: queued.id }, { headers: headers() })).body, 'cancelJob', code);
    const events = await subscribe(server.url, 'subscription($id: ID!) { jobProgress(id: $id) { id status } }', { id: queued.id }, 'POST', headers());
    const event = await events.next(10_000);
    events.close();
    seenErrors.push(...(event.errors ?? []));
    refusal(event, 'jobProgress', code);
    expect(await rows(conn, 'SELECT id, status, cancel_requested FROM jobs')).toEqual([{ id: queued.id, status: 'QUEUED', cancel_requested: 0 }]);
    expect(await counts()).toEqual({ jobs: 1, files: 1 });
  });
});

describe('with authentication on, an admin token', () => {
  it('queues, reads and cancels jobs', async () => {
    const queued = (await upload(admin)).data.importFile;
    const exported = (await server.gql('mutation { exportOrders { id status } }', {}, { headers: admin })).body;
    expect(exported.errors).toBeUndefined();
    expect((await server.gql('{ jobs { totalCount } }', {}, { headers: admin })).body).toEqual({ data: { jobs: { totalCount: 2 } } });
    const cancelled = await server.gql('mutation($id: ID!) { cancelJob(id: $id) { id status } }', { id: queued.id }, { headers: admin });
    expect(cancelled.body).toEqual({ data: { cancelJob: { id: queued.id, status: 'CANCELLED' } } });
  });
});
