// GraphQL over HTTP as the contract's paths promise it: POST and GET,
// both media types, GraphiQL for browsers, health and readiness.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith } from '../src/config.ts';
import { createTestDatabase } from './support/db.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(await createTestDatabase('http'));
});
afterAll(async () => server?.close());

describe('HTTP paths', () => {
  it('GET /health answers 200 {"status":"ok"}', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 while the database answers', async () => {
    const res = await fetch(`${server.url}/ready`);
    expect(res.status).toBe(200);
  });

  it('GET /ready answers 503 when the database does not, and /health stays 200', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const config = configWith(server.app.config, { databaseUrl: 'mysql://root@127.0.0.1:1/nowhere', limits: { poolWaitMs: 500 } });
    const down = await startTestServer(config);
    try {
      expect((await fetch(`${down.url}/ready`)).status).toBe(503);
      expect((await fetch(`${down.url}/health`)).status).toBe(200);
      const res = await down.gql('{ productCount }');
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await down.close();
    }
  });

  it('POST /graphql answers application/graphql-response+json when asked, application/json otherwise', async () => {
    const body = JSON.stringify({ query: '{ productCount }' });
    const a = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body });
    expect(a.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(await a.json()).toEqual({ data: { productCount: 0 } });
    const b = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
    expect(b.headers.get('content-type')).toContain('application/json');
  });

  it('GET /graphql with a query string runs a query', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ productCount }')}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { productCount: 0 } });
  });

  it('a mutation sent with GET is refused with 405', async () => {
    const query = encodeURIComponent('mutation { createUser(input: { name: "a", email: "a@b.c" }) { id } }');
    const res = await fetch(`${server.url}/graphql?query=${query}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(405);
  });

  it('GET /graphql from a browser serves GraphiQL', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toMatch(/graphiql/i);
  });

  it('every response carries a request id: the incoming one, or a new one', async () => {
    const given = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const fresh = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ productCount }')}`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
