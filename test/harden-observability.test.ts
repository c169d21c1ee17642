// Traceability and observability: a request id on every response, masked
// errors that carry it while the log keeps the full error, one log line per
// request, SQL statements at debug level, and Prometheus counters at /metrics.
import { register as globalRegistry } from 'prom-client';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { captureLogs } from './support/logs.ts';
import { insertShopRows } from './support/rows.ts';
import { seenErrors, startTestServer, type TestServer } from './support/server.ts';

let config: Config;
let server: TestServer;
let conn: mysql.Connection;
const { logger, lines: logs, waitFor: waitForLog } = captureLogs('debug');

beforeAll(async () => {
  config = await createTestDatabase('harden_observability');
  await insertShopRows(config);
  conn = await sqlConnection(config);
  server = await startTestServer(configWith(config, { logLevel: 'debug' }), { logger });
});

afterAll(async () => {
  await server?.close();
  await conn?.end();
});

async function metricsText(s: TestServer): Promise<string> {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  return res.text();
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('request ids', () => {
  it('echoes an incoming x-request-id and generates one otherwise, on every path', async () => {
    const oversized = JSON.stringify({ query: '{ productCount }', variables: { pad: 'x'.repeat(config.limits.maxBodyBytes) } });
    const requests: [string, RequestInit][] = [
      ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ productCount }' }) }],
      ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: oversized }],
      // Declined by the compiled fast path (a malformed id): Yoga answers.
      ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ user(id: "nope") { id } }' }) }],
      ['/graphql?query=%7BproductCount%7D', { method: 'GET', headers: { accept: 'application/json' } }],
      ['/health', {}],
      ['/ready', {}],
      ['/metrics', {}],
      ['/nowhere', {}],
    ];
    const collectErrors = async (res: Response) => {
      const text = await res.text();
      if (text.includes('"errors"')) seenErrors.push(...(JSON.parse(text) as { errors: unknown[] }).errors);
    };
    for (const [path, init] of requests) {
      const given = await fetch(`${server.url}${path}`, { ...init, headers: { ...(init.headers as object), 'x-request-id': 'trace-me-42' } });
      expect(given.headers.get('x-request-id'), path).toBe('trace-me-42');
      await collectErrors(given);
      const generated = await fetch(`${server.url}${path}`, init);
      expect(generated.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/);
      await collectErrors(generated);
    }
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
  });

  it('replaces a malformed x-request-id instead of echoing it', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'bad id with spaces <script>' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('masks an unexpected failure as "Unexpected error." with the request id, and logs the full error under that id', async () => {
    // A real unexpected failure: the table is gone, so the driver reports ER_NO_SUCH_TABLE.
    await conn.query('RENAME TABLE products TO products_away');
    try {
      const res = await server.gql('{ products(first: 2) { nodes { id } } }', undefined, { headers: { 'x-request-id': 'masked-1' } });
      expect(res.body.errors).toHaveLength(1);
      const error = res.body.errors![0]!;
      expect(error.message).toBe('Unexpected error.');
      expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'masked-1' });
      const logged = await waitForLog((line) => line.msg === 'unexpected error' && line.requestId === 'masked-1');
      expect(JSON.stringify(logged.err)).toMatch(/products/);
      expect(logged.err.code).toBe('ER_NO_SUCH_TABLE');
    } finally {
      await conn.query('RENAME TABLE products_away TO products');
    }
  });
});

describe('logging', () => {
  it('writes one JSON line per request with id, operation, status, duration, SQL statement count and error codes', async () => {
    const res = await server.gql('query TwoUsers { a: user(id: "1") { id } b: user(id: "404") { id } }', undefined, {
      headers: { 'x-request-id': 'line-1' },
    });
    expect(res.body.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const line = await waitForLog((l) => l.msg === 'request' && l.requestId === 'line-1');
    expect(line).toMatchObject({ level: 30, operation: 'TwoUsers', status: 200, method: 'POST', path: '/graphql', sqlStatements: 1, errorCodes: ['NOT_FOUND'] });
    expect(typeof line.durationMs).toBe('number');
    expect(logs.filter((l) => l.msg === 'request' && l.requestId === 'line-1')).toHaveLength(1);
  });

  it('logs refusals in front of Yoga the same way (413 with QUERY_TOO_COMPLEX)', async () => {
    const body = JSON.stringify({ query: '{ productCount }', variables: { pad: 'x'.repeat(config.limits.maxBodyBytes) } });
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'big-1' }, body });
    seenErrors.push(...((await res.json()) as { errors: unknown[] }).errors);
    const line = await waitForLog((l) => l.msg === 'request' && l.requestId === 'big-1');
    expect(line).toMatchObject({ status: 413, sqlStatements: 0, errorCodes: ['QUERY_TOO_COMPLEX'] });
  });

  it('at debug level logs every SQL statement with its duration and request id', async () => {
    await server.gql('query Dbg { users(first: 2) { nodes { id orders(first: 1) { nodes { id } } } } }', undefined, { headers: { 'x-request-id': 'dbg-1' } });
    const request = await waitForLog((l) => l.msg === 'request' && l.requestId === 'dbg-1');
    const statements = logs.filter((l) => l.msg === 'sql' && l.requestId === 'dbg-1');
    // One line per statement the request ran (1 compiled, or one per loader level).
    expect(request.sqlStatements).toBeGreaterThan(0);
    expect(statements).toHaveLength(request.sqlStatements);
    for (const line of statements) {
      expect(line.level).toBe(20);
      expect(line.sql).toMatch(/^(\/\*prepared\*\/ )?select /i);
      expect(typeof line.durationMs).toBe('number');
    }
  });
});

describe('metrics', () => {
  it('shows request, error and SQL counters moving after requests, with pool gauges', async () => {
    const before = await metricsText(server);
    const statementsBefore = metricValue(before, 'gateway_sql_statements_total');
    const { statements } = await server.countStatements(async () => {
      for (let i = 0; i < 3; i++) await server.gql('query Counted { user(id: "1") { id } }');
      await server.gql('query Counted { user(id: "999") { id } }');
    });
    expect(statements).toBe(4);
    const after = await metricsText(server);
    expect(metricValue(after, 'gateway_sql_statements_total')).toBe(statementsBefore + 4);
    expect(metricValue(after, 'gateway_requests_total{operation="Counted",status="200"}')).toBe(4);
    expect(metricValue(after, 'gateway_request_duration_seconds_count{operation="Counted"}')).toBe(4);
    expect(metricValue(after, 'gateway_request_duration_seconds_bucket{le="+Inf",operation="Counted"}')).toBe(4);
    expect(metricValue(after, 'gateway_request_duration_seconds_bucket{le="10",operation="Counted"}')).toBe(4);
    expect(metricValue(after, 'gateway_request_duration_seconds_sum{operation="Counted"}')).toBeGreaterThan(0);
    expect(after).toMatch(/^# TYPE gateway_request_duration_seconds histogram$/m);
    expect(after).toMatch(/^# TYPE gateway_requests_total counter$/m);
    expect(metricValue(after, 'gateway_errors_total{code="NOT_FOUND"}')).toBeGreaterThan(metricValue(before, 'gateway_errors_total{code="NOT_FOUND"}'));
    expect(metricValue(after, 'gateway_sql_statement_duration_seconds_count')).toBe(statementsBefore + 4);
    expect(after).toMatch(/^gateway_db_pool_connections\{state="in_use"\} 0$/m);
    expect(after).toMatch(/^gateway_db_pool_connections\{state="idle"\} \d+$/m);
    expect(after).toMatch(/^gateway_db_pool_waiting 0$/m);
  });

  it('keeps each app in a registry of its own, not the global one', async () => {
    const other = await startTestServer(config);
    try {
      await other.gql('query OnlyHere { productCount }');
      const mine = await metricsText(server);
      const theirs = await metricsText(other);
      expect(theirs).toContain('gateway_requests_total{operation="OnlyHere",status="200"} 1');
      expect(mine).not.toContain('OnlyHere');
      expect(await globalRegistry.metrics()).not.toContain('gateway_');
    } finally {
      await other.close();
    }
  });
});
