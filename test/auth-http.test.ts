// Authentication and rate limits at the node:http front, from the attacker's
// side: a token that does not verify is refused with 401 and WWW-Authenticate
// before any SQL, on the fast path, through Yoga (GET) and over SSE alike, and
// never shows in a log line; rate limits hold across two real gateway
// processes sharing Redis, and leave requests under them untouched.
import { createHmac } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { base64url, issuedTokens, sign } from './support/jwks-server.ts';
import { captureLogs } from './support/logs.ts';
import { killIfRunning, spawnGateway, type GatewayProcess } from './support/process.ts';
import { redisReachable, TEST_REDIS_URL } from './support/redis.ts';
import { insertShopRows } from './support/rows.ts';
import { seenErrors, startTestServer, type TestServer } from './support/server.ts';

const SECRET = 'auth-http-secret-long-enough-for-hs256-0123456789';
const KEY = new TextEncoder().encode(SECRET);
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'shop-gateway';
const redisUp = await redisReachable();

let base: Config;
let server: TestServer;
let conn: mysql.Connection;
const logs = captureLogs('debug');

beforeAll(async () => {
  base = await createTestDatabase('auth_http');
  await insertShopRows(base);
  conn = await sqlConnection(base);
  server = await startTestServer(configWith(base, { logLevel: 'debug', auth: { jwtSecret: SECRET, jwksUrl: null, issuer: ISSUER, audience: AUDIENCE } }), {
    logger: logs.logger,
  });
});

afterAll(async () => {
  await server?.close();
  await conn?.end();
  const secrets = [SECRET, ...issuedTokens, ...issuedTokens.flatMap((t) => t.split('.').filter((part) => part.length > 20))];
  expect(logs.lines.filter((line) => secrets.some((secret) => JSON.stringify(line).includes(secret)))).toEqual([]);
});

const good = (claims: Record<string, unknown> = { role: 'customer', sub: '1' }, options = {}) =>
  sign(claims, KEY, { issuer: ISSUER, audience: AUDIENCE, ...options });

/** A token signed with our secret by hand, so its header can say anything (alg: none, ...). */
function forge(header: Record<string, unknown>, claims: Record<string, unknown>, signWith: string | null = SECRET): string {
  const head = base64url(JSON.stringify(header));
  const body = base64url(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600, ...claims }));
  const signature = signWith === null ? '' : createHmac('sha256', signWith).update(`${head}.${body}`).digest('base64url');
  const token = `${head}.${body}.${signature}`;
  issuedTokens.push(token);
  return token;
}

async function attack(authorization: string) {
  const query = '{ orders { totalCount } }';
  const statementsBefore = server.app.db.stats.total;
  const ask = async (init: RequestInit, url = `${server.url}/graphql`) => {
    const res = await fetch(url, init);
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    if (body?.errors) seenErrors.push(...body.errors);
    return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body };
  };
  const answers = [
    // The fast path's POST, Yoga's GET, and an SSE subscription.
    await ask({ method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ query }) }),
    await ask({ headers: { authorization, accept: 'application/graphql-response+json' } }, `${server.url}/graphql?query=${encodeURIComponent(query)}`),
    await ask({ method: 'POST', headers: { authorization, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: 'subscription { orderPlaced { id } }' }) }),
  ];
  return { answers, statements: server.app.db.stats.total - statementsBefore };
}

describe('tokens that do not verify are refused with 401 before any SQL, on every way in', () => {
  it.each([
    ['alg: none', async () => forge({ alg: 'none', typ: 'JWT' }, { role: 'admin', sub: '1' }, null), 'algorithm'],
    ['a forged algorithm (HS512)', async () => forge({ alg: 'HS512', typ: 'JWT' }, { role: 'admin', sub: '1' }), 'algorithm'],
    ['a tampered payload', async () => {
      const [head, , sig] = (await good()).split('.');
      return `${head}.${base64url(JSON.stringify({ role: 'admin', sub: '1', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }))}.${sig}`;
    }, 'signature'],
    ['signed with another secret', async () => forge({ alg: 'HS256', typ: 'JWT' }, { role: 'admin', sub: '1' }, 'another-secret-of-the-same-length-0123456789abcdef'), 'signature'],
    ['expired', async () => good(undefined, { expiresIn: -60 }), 'expired'],
    ['not valid yet (nbf in the future)', async () => good(undefined, { notBefore: 600 }), 'not_yet_valid'],
    ['the wrong issuer', async () => sign({ role: 'customer', sub: '1' }, KEY, { issuer: 'https://evil.test/', audience: AUDIENCE }), 'wrong_issuer'],
    ['the wrong audience', async () => sign({ role: 'customer', sub: '1' }, KEY, { issuer: ISSUER, audience: 'another-api' }), 'wrong_audience'],
    ['a customer token without sub', async () => good({ role: 'customer' }), 'claims'],
    ['no role', async () => good({ sub: '1' }), 'claims'],
    ['not a JWT at all', async () => 'not-a-jwt', 'malformed_token'],
  ])('%s', async (_name, make, reason) => {
    const { answers, statements } = await attack(`Bearer ${await make()}`);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.wwwAuthenticate).toMatch(/^Bearer realm="shop", error="invalid_token", error_description="/);
      expect(answer.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
      expect(answer.body.data).toBeUndefined();
    }
    expect(statements).toBe(0);
  });

  it('a 9 KB header is refused unread, and node:http itself refuses a 20 KB one', async () => {
    const { answers, statements } = await attack(`Bearer ${'a'.repeat(9000)}`);
    for (const answer of answers) expect([answer.status, answer.body.errors[0].extensions.reason]).toEqual([401, 'too_long']);
    expect(statements).toBe(0);
    const huge = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${'a'.repeat(20_000)}`, 'content-type': 'application/json' }, body: '{}' }).catch(
      (error: Error) => ({ status: error.name }),
    );
    expect([431, 'TypeError']).toContain(huge.status);
  });

  it('a good token goes through; no token is anonymous (public data only)', async () => {
    const customer = await server.gql('{ orders { totalCount } viewer { id } }', undefined, { headers: { authorization: `Bearer ${await good()}` } });
    expect(customer.body).toEqual({ data: { orders: { totalCount: 2 }, viewer: { id: '1' } } });
    const anonymous = await server.gql('{ productCount orders { totalCount } }');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data).toBeNull();
    expect(anonymous.body.errors!.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect((await server.gql('{ productCount }')).body).toEqual({ data: { productCount: 3 } });
  });
});

describe('rate limits', () => {
  let gateways: GatewayProcess[] = [];
  afterEach(() => {
    for (const gateway of gateways) killIfRunning(gateway);
    gateways = [];
  });

  async function start(env: Record<string, string>): Promise<string> {
    const gateway = spawnGateway({ DATABASE_URL: base.databaseUrl, PORT: '0', MIGRATE_ON_START: 'false', LOG_LEVEL: 'info', AUTH_JWT_SECRET: SECRET, ...env });
    gateways.push(gateway);
    const line = (await gateway.waitForLine((_l, json) => typeof json?.port === 'number', 30_000)) as { port: number };
    return `http://127.0.0.1:${line.port}/graphql`;
  }

  const post = async (url: string, token: string, query: string) => {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { data?: any; errors?: any[] };
    if (body.errors) seenErrors.push(...body.errors);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
  };

  it('hold across two gateway processes sharing Redis; requests under the limit are untouched; 429 with Retry-After over it', async (ctx) => {
    if (!redisUp) return ctx.skip();
    const env = { REDIS_URL: TEST_REDIS_URL, RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_MUTATIONS_PER_MINUTE: '2' };
    const [a, b] = await Promise.all([start(env), start(env)]);
    // Each gateway's first request makes sure its Redis connection is up (a client of its own).
    const warm = await sign({ role: 'customer', sub: '1' }, KEY, { expiresIn: 600 });
    for (const url of [a, b]) expect((await post(url, warm, '{ productCount }')).status).toBe(200);
    const token = await sign({ role: 'customer', sub: '2' }, KEY, { expiresIn: 600 });
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await post(i % 2 ? b : a, token, '{ productCount }'));
    for (const answer of answers.slice(0, 6)) expect(answer).toMatchObject({ status: 200, body: { data: { productCount: 3 } } });
    for (const answer of answers.slice(6)) {
      expect(answer.status).toBe(429);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect(answer.body.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'requests', max: 6 });
    }
    // Another client's budget is its own.
    const other = await sign({ role: 'customer', sub: '3' }, KEY, { expiresIn: 600 });
    const place = 'mutation { placeOrder(input: { userId: "3", items: [{ productId: "1", quantity: 1 }] }) { id } }';
    const before = Number(((await conn.query('SELECT COUNT(*) AS n FROM orders')) as any)[0][0].n);
    const mutations = [await post(a, other, place), await post(b, other, place), await post(a, other, place)];
    expect(mutations.map((m) => m.status)).toEqual([200, 200, 429]);
    expect(mutations[2]!.body.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'mutations', max: 2 });
    // The refused one ran nothing.
    expect(Number(((await conn.query('SELECT COUNT(*) AS n FROM orders')) as any)[0][0].n)).toBe(before + 2);
  }, 120_000);
});
