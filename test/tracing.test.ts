// OpenTelemetry traces, end to end: the real gateway process, with OTEL_*
// pointing at a local OTLP receiver (test/support/otlp-receiver.ts), over
// real HTTP and the real database. OTEL_BSP_SCHEDULE_DELAY is ten minutes, so
// the spans arrive only because SIGTERM's shutdown exports what is buffered.
// Then: the HTTP span is a child of the incoming traceparent, the operation
// span of the HTTP span, the statements of the operation; each path and the
// cache hit are marked; statement texts hold `?` and never a variable's
// value; an error request's spans have error status; the log lines carry
// the trace. With tracing off (nothing set, OTEL_SDK_DISABLED=true,
// OTEL_TRACES_EXPORTER=none) nothing arrives and the log lines have no trace.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { createTestDatabase } from './support/db.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.ts';
import { killIfRunning, parseJsonLine, spawnGateway, type GatewayProcess } from './support/process.ts';
import { insertShopRows } from './support/rows.ts';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

let config: Config;
const gateways: GatewayProcess[] = [];
const receivers: OtlpReceiver[] = [];

beforeAll(async () => {
  config = await createTestDatabase('tracing');
  await insertShopRows(config);
});

afterAll(async () => {
  for (const gateway of gateways) killIfRunning(gateway);
  await Promise.all(receivers.map((r) => r.close()));
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A W3C traceparent of a sampled trace, with its ids. */
function traceparent() {
  const traceId = hex(16);
  const parentId = hex(8);
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
}

async function start(env: Record<string, string>): Promise<{ gateway: GatewayProcess; url: string }> {
  const gateway = spawnGateway({ DATABASE_URL: config.databaseUrl, PORT: '0', LOG_LEVEL: 'info', MIGRATE_ON_START: 'false', JOB_WORKERS: '0', ...env });
  gateways.push(gateway);
  const listening = (await gateway.waitForLine((_l, json) => typeof json?.port === 'number', 30_000)) as { port: number };
  return { gateway, url: `http://127.0.0.1:${listening.port}` };
}

async function stop(gateway: GatewayProcess): Promise<void> {
  gateway.child.kill('SIGTERM');
  const exit = await gateway.exited;
  expect(exit.code).toBe(0);
}

async function post(url: string, body: object, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}

function requestLine(gateway: GatewayProcess, requestId: string): Record<string, any> {
  const line = gateway.lines.map(parseJsonLine).find((json) => json?.msg === 'request' && json.requestId === requestId);
  expect(line, `no request line for ${requestId}`).toBeTruthy();
  return line!;
}

const FIND_PRODUCTS = 'query FindProducts($search: String) { products(first: 3, filter: { search: $search }) { nodes { id name } } }';
const FIND_USERS = 'query FindUsers($search: String) { users(first: 2, filter: { search: $search }) { nodes { id name orders(first: 1) { nodes { id total } } } } }';

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set (OTLP/HTTP JSON)', () => {
  let receiver: OtlpReceiver;
  let spans: ReceivedSpan[];
  let gateway: GatewayProcess;
  const compiled = traceparent();
  const cached = traceparent();
  const resolvers = traceparent();
  const failing = traceparent();
  // Values sent as variables: they must appear in no span.
  const productSearch = `oduct 2`;
  const userSearch = `ser-${hex(4)}-value`;
  let jobId = '';

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    receivers.push(receiver);
    const started = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_SERVICE_NAME: 'gateway-under-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      RESPONSE_CACHE: 'true',
      JOB_WORKERS: '1',
      JOB_POLL_MS: '100',
    });
    gateway = started.gateway;
    const { url } = started;

    // The compiled path, twice: the second answer comes from the response cache.
    const first = await post(url, { query: FIND_PRODUCTS, variables: { search: productSearch } }, { traceparent: compiled.header, 'x-request-id': 'traced-compiled' });
    expect(first.data.products.nodes).toEqual([{ id: expect.any(String), name: 'Product 2' }]);
    await post(url, { query: FIND_PRODUCTS, variables: { search: productSearch } }, { traceparent: cached.header });

    // The resolvers: Yoga answers GET.
    const search = new URLSearchParams({ query: FIND_USERS, variables: JSON.stringify({ search: userSearch }) });
    const res = await fetch(`${url}/graphql?${search}`, { headers: { accept: 'application/json', traceparent: resolvers.header } });
    expect(res.status).toBe(200);
    expect((await res.json()).data.users.nodes).toEqual([]);

    // An error: the compiled path declines a malformed id, and Yoga answers it with an error.
    const refused = await post(url, { query: '{ user(id: "nope") { id } }' }, { traceparent: failing.header });
    expect(refused.errors[0].extensions.code).toBeTruthy();

    // A background job (an export) run by this process's worker.
    const queued = await post(url, { query: 'mutation { exportOrders { id } }' });
    jobId = queued.data.exportOrders.id;
    for (let i = 0; i < 100; i++) {
      const job = await post(url, { query: 'query($id: ID!) { job(id: $id) { status } }', variables: { id: jobId } });
      if (job.data.job.status === 'SUCCEEDED') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    await stop(gateway);
    spans = receiver.spans();
  }, 60_000);

  const trace = (traceId: string) => spans.filter((s) => s.traceId === traceId);
  const childrenOf = (span: ReceivedSpan) => spans.filter((s) => s.parentSpanId === span.spanId);
  const only = (list: ReceivedSpan[], what: string) => {
    expect(list, what).toHaveLength(1);
    return list[0]!;
  };

  it('exports to /v1/traces with the service name and resource attributes, only at the SIGTERM flush', () => {
    expect(receiver.received.length).toBeGreaterThan(0);
    expect(new Set(receiver.received.map((r) => r.path))).toEqual(new Set(['/v1/traces']));
    expect(spans[0]!.resource).toMatchObject({ 'service.name': 'gateway-under-test', 'deployment.environment.name': 'test' });
  });

  it('nests HTTP span → compiled operation span → statement span under the incoming traceparent', () => {
    const spansOfTrace = trace(compiled.traceId);
    const http = only(spansOfTrace.filter((s) => s.kind === SERVER), 'one HTTP span');
    expect(http.parentSpanId).toBe(compiled.parentId);
    expect(http.name).toBe('POST /graphql');
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'url.path': '/graphql',
      'http.response.status_code': 200,
      'gateway.request_id': 'traced-compiled',
    });
    expect(http.status.code).not.toBe(ERROR);

    const operation = only(childrenOf(http), 'one operation span');
    expect(operation.name).toBe('query FindProducts');
    expect(operation.attributes).toMatchObject({
      'gateway.path': 'compiled',
      'graphql.operation.name': 'FindProducts',
      'graphql.operation.type': 'query',
      'gateway.cache_hit': false,
    });

    const statement = only(childrenOf(operation), 'one statement: the compiled path answers with one SELECT');
    expect(statement.kind).toBe(CLIENT);
    expect(statement.attributes).toMatchObject({
      'db.system': 'mysql',
      'db.namespace': config.database.name,
      'db.operation.name': 'SELECT',
      'server.address': config.database.host,
      'server.port': config.database.port,
      'db.response.returned_rows': 1,
    });
    const text = statement.attributes['db.query.text'] as string;
    expect(text).toMatch(/^SELECT /);
    expect(text).toContain('?');
    expect(text).not.toContain(productSearch);
  });

  it('marks a response-cache hit, which sends no statement', () => {
    const http = only(trace(cached.traceId).filter((s) => s.kind === SERVER), 'one HTTP span');
    const operation = only(childrenOf(http), 'one operation span');
    expect(operation.attributes).toMatchObject({ 'gateway.path': 'compiled', 'gateway.cache_hit': true, 'graphql.operation.name': 'FindProducts' });
    expect(childrenOf(operation)).toEqual([]);
  });

  it('marks the resolver path, its loaders statements children of its operation span', () => {
    const http = only(trace(resolvers.traceId).filter((s) => s.kind === SERVER), 'one HTTP span');
    expect(http.parentSpanId).toBe(resolvers.parentId);
    expect(http.name).toBe('GET /graphql');
    // The query string (the document and its variables) is never recorded.
    expect(http.attributes['url.path']).toBe('/graphql');
    const operation = only(childrenOf(http), 'one operation span (GET never takes the compiled path)');
    expect(operation.attributes).toMatchObject({
      'gateway.path': 'resolvers',
      'graphql.operation.name': 'FindUsers',
      'graphql.operation.type': 'query',
      'gateway.cache_hit': false,
    });
    const statements = childrenOf(operation);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.kind).toBe(CLIENT);
      expect(statement.attributes['db.query.text']).toContain('?');
      expect(statement.attributes['db.query.text']).not.toContain(userSearch);
    }
  });

  it('puts no variable value into any span', () => {
    const exported = receiver.received.map((r) => r.body.toString('utf8')).join('\n');
    expect(exported).not.toContain(userSearch);
    expect(exported).not.toContain(productSearch);
  });

  it('gives an error request error status: its HTTP span and the operation that failed', () => {
    const spansOfTrace = trace(failing.traceId);
    const http = only(spansOfTrace.filter((s) => s.kind === SERVER), 'one HTTP span');
    expect(http.status.code).toBe(ERROR);
    expect(http.attributes['gateway.error_codes']).toEqual([expect.any(String)]);
    const operations = childrenOf(http);
    // The compiled path looked at it and declined; the resolvers answered with the error.
    expect(operations.map((s) => s.attributes['gateway.path']).sort()).toEqual(['compiled', 'resolvers']);
    expect(operations.find((s) => s.attributes['gateway.path'] === 'compiled')!.attributes['gateway.declined']).toBe(true);
    const failed = operations.find((s) => s.attributes['gateway.path'] === 'resolvers')!;
    expect(failed.status.code).toBe(ERROR);
    expect(failed.attributes['gateway.error_codes']).toEqual(http.attributes['gateway.error_codes']);
  });

  it('traces a background job as a root span with its statements in it', () => {
    const job = only(
      spans.filter((s) => s.name === 'job export_orders' && s.attributes['gateway.job.id'] === jobId),
      'one span for the export job',
    );
    expect(job.parentSpanId).toBe('');
    expect(job.attributes['gateway.job.outcome']).toBe('succeeded');
    expect(childrenOf(job).filter((s) => s.kind === CLIENT).length).toBeGreaterThan(0);
  });

  it('makes no span for the statements of no traced request or job (worker polls)', () => {
    const ids = new Set(spans.map((s) => s.spanId));
    const orphans = spans.filter((s) => s.kind === CLIENT && !ids.has(s.parentSpanId));
    expect(orphans).toEqual([]);
  });

  it('writes the trace id and span id into the log lines', () => {
    const http = trace(compiled.traceId).find((s) => s.kind === SERVER)!;
    expect(requestLine(gateway, 'traced-compiled')).toMatchObject({ traceId: compiled.traceId, spanId: http.spanId, requestId: 'traced-compiled' });
    // A line written inside a span (the job's own log) carries that span's trace.
    const job = spans.find((s) => s.name === 'job export_orders')!;
    const started = gateway.lines.map(parseJsonLine).find((json) => json?.msg === 'job started' && json.jobId === jobId);
    expect(started).toMatchObject({ traceId: job.traceId, spanId: job.spanId });
  });
});

describe('the default protocol, and tracing off', () => {
  it('exports protobuf (http/protobuf) when only OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const receiver = await startOtlpReceiver();
    receivers.push(receiver);
    const { gateway, url } = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const parent = traceparent();
    await post(url, { query: '{ productCount }' }, { traceparent: parent.header });
    await stop(gateway);
    expect(receiver.received.length).toBeGreaterThan(0);
    for (const r of receiver.received) {
      expect(r.path).toBe('/v1/traces');
      expect(r.contentType).toBe('application/x-protobuf');
    }
    // The trace id travels as its 16 raw bytes.
    expect(Buffer.concat(receiver.received.map((r) => r.body)).includes(Buffer.from(parent.traceId, 'hex'))).toBe(true);
  }, 60_000);

  for (const [label, env] of [
    ['OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true' }],
    ['OTEL_TRACES_EXPORTER=none', { OTEL_TRACES_EXPORTER: 'none' }],
  ] as const) {
    it(`sends nothing with ${label}, even with an endpoint set, and logs no trace ids`, async () => {
      const receiver = await startOtlpReceiver();
      receivers.push(receiver);
      const { gateway, url } = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '1', ...env });
      await post(url, { query: '{ productCount }' }, { traceparent: traceparent().header, 'x-request-id': 'untraced' });
      await stop(gateway);
      expect(receiver.received).toEqual([]);
      const line = requestLine(gateway, 'untraced');
      expect(line).not.toHaveProperty('traceId');
      expect(gateway.lines.join('\n')).not.toContain('tracing on');
    }, 60_000);
  }

  it('is off with no OTEL_* variable: no trace ids in the log lines, no "tracing on"', async () => {
    const { gateway, url } = await start({});
    await post(url, { query: '{ productCount }' }, { traceparent: traceparent().header, 'x-request-id': 'untraced' });
    await stop(gateway);
    expect(requestLine(gateway, 'untraced')).not.toHaveProperty('traceId');
    expect(gateway.lines.join('\n')).not.toContain('tracing on');
  }, 60_000);
});
