// Rate limits as the node:http front will use them: counted per client, in
// process or shared through the real Redis between limiters and processes,
// answered 429 with Retry-After, and never taken down by Redis.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMutationRequest } from '../src/http/operation-type.ts';
import { createRateLimiter, rateLimitKey, type RateLimiter, type RateVerdict } from '../src/http/rate-limit.ts';
import { rateLimitedError, sendRateLimited } from '../src/http/rate-limit-response.ts';
import { redisReachable, TEST_REDIS_URL } from './support/redis.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logLines: string[] = [];
const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (logLines.push(String(chunk)), done()) }));

/** A scope no other run or test shares on the machine's Redis. */
const scope = () => `test-${randomUUID()}`;
const limiters: RateLimiter[] = [];
function limiter(...args: Parameters<typeof createRateLimiter>): RateLimiter {
  const made = createRateLimiter(...args);
  limiters.push(made);
  return made;
}
afterAll(async () => {
  for (const made of limiters) await made.close();
});

async function checks(l: RateLimiter, key: string, count: number, isMutation = false): Promise<RateVerdict[]> {
  const out: RateVerdict[] = [];
  for (let i = 0; i < count; i++) out.push(await l.check(key, isMutation));
  return out;
}
const oks = (verdicts: RateVerdict[]) => verdicts.filter((v) => v === 'ok').length;

/** Waits until the limiter counts in Redis (its check returns a promise once connected). */
async function connected(l: RateLimiter, probeKey = `probe-${randomUUID()}`) {
  // ioredis reconnects with a growing back-off (up to 2 s) after a cut.
  for (let i = 0; i < 250; i++) {
    if (l.check(probeKey, false) instanceof Promise) return;
    await sleep(20);
  }
  throw new Error('the limiter never connected to Redis');
}

describe('in process', () => {
  it('lets requests under the limit through untouched and refuses the next with Retry-After', async () => {
    const l = limiter({ perMinute: 3, mutationsPerMinute: null }, { scope: scope() });
    expect(await checks(l, 'ip:1.2.3.4', 3)).toEqual(['ok', 'ok', 'ok']);
    const refused = await l.check('ip:1.2.3.4', false);
    expect(refused).toMatchObject({ limit: 'requests', max: 3 });
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another client is counted apart.
    expect(await checks(l, 'ip:5.6.7.8', 3)).toEqual(['ok', 'ok', 'ok']);
  });

  it('counts mutations against their own, lower budget as well as the request budget', async () => {
    const l = limiter({ perMinute: 5, mutationsPerMinute: 2 }, { scope: scope() });
    expect(await checks(l, 'user:42', 2, true)).toEqual(['ok', 'ok']);
    expect(await l.check('user:42', true)).toMatchObject({ limit: 'mutations', max: 2 });
    // Queries still pass, until the request budget (which the three mutations spent too) is gone.
    expect(await checks(l, 'user:42', 2)).toEqual(['ok', 'ok']);
    expect(await l.check('user:42', false)).toMatchObject({ limit: 'requests', max: 5 });
  });

  it('starts a new window once the old one ends', async () => {
    const l = limiter({ perMinute: 2, mutationsPerMinute: null }, { scope: scope(), windowMs: 300 });
    expect(oks(await checks(l, 'k', 3))).toBe(2);
    await sleep(350);
    expect(await checks(l, 'k', 2)).toEqual(['ok', 'ok']);
  });

  it('is off when neither limit is set', async () => {
    const l = limiter({ perMinute: null, mutationsPerMinute: null }, { scope: scope() });
    expect(l.enabled).toBe(false);
    expect(oks(await checks(l, 'k', 1000, true))).toBe(1000);
  });
});

describe('keys and operation types', () => {
  it('keys a request by its user when the token names one, else by its address', () => {
    expect(rateLimitKey({ kind: 'customer', userId: '42' }, '10.0.0.1')).toBe('user:42');
    expect(rateLimitKey({ kind: 'admin', userId: '7' }, '10.0.0.1')).toBe('user:7');
    expect(rateLimitKey({ kind: 'admin', userId: null }, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(rateLimitKey({ kind: 'anonymous' }, '::1')).toBe('ip:::1');
  });

  it('tells a mutation from a query before parsing, and says mutation when it cannot tell', () => {
    expect(isMutationRequest('{ products { totalCount } }', undefined)).toBe(false);
    expect(isMutationRequest('query Q { mutation: productCount }', undefined)).toBe(false);
    expect(isMutationRequest('mutation { cancelOrder(id: "1") { id } }', undefined)).toBe(true);
    expect(isMutationRequest('mutation M { a } query Q { b }', 'Q')).toBe(false);
    expect(isMutationRequest('mutation M { a } query Q { b }', 'M')).toBe(true);
    expect(isMutationRequest('query Q($a: Int = 1) { b } mutation M { a }', undefined)).toBe(true);
    expect(isMutationRequest('fragment F on Query { mutation } query { ...F }', undefined)).toBe(false);
    expect(isMutationRequest('mutation { a(b: "unterminated) }', undefined)).toBe(true);
    expect(isMutationRequest(undefined, undefined)).toBe(false);
  });
});

describe('the 429 answer', () => {
  it('is 429 with Retry-After and RATE_LIMITED, from a real node:http server', async () => {
    const l = limiter({ perMinute: 1, mutationsPerMinute: null }, { scope: scope() });
    const server = createServer((req, res) => {
      void Promise.resolve(l.check(rateLimitKey({ kind: 'anonymous' }, req.socket.remoteAddress), false)).then((verdict) => {
        if (verdict !== 'ok') return sendRateLimited(res, verdict, { requestId: 'rl-1', mediaType: 'application/graphql-response+json' });
        res.writeHead(200).end('{"data":{}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
    try {
      expect((await fetch(url)).status).toBe(200);
      const res = await fetch(url);
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(59);
      expect(res.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
      expect(await res.json()).toEqual({
        errors: [
          {
            message: `Too many requests: the limit is 1 requests per minute for each client; try again in ${retryAfter} s.`,
            extensions: { code: 'RATE_LIMITED', limit: 'requests', max: 1, retryAfterSeconds: retryAfter, requestId: 'rl-1' },
          },
        ],
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const error = rateLimitedError({ limit: 'mutations', max: 10, retryAfterSeconds: 12 });
    expect(error.extensions).toEqual({ code: 'RATE_LIMITED', limit: 'mutations', max: 10, retryAfterSeconds: 12 });
  });
});

describe('shared through Redis', async () => {
  const reachable = await redisReachable();
  if (!reachable) it.skip(`needs Redis at ${TEST_REDIS_URL}`, () => {});
  const shared = (perMinute: number, s: string, extra: { windowMs?: number; mutationsPerMinute?: number; url?: string } = {}) =>
    limiter({ perMinute, mutationsPerMinute: extra.mutationsPerMinute ?? null }, { scope: s, redisUrl: extra.url ?? TEST_REDIS_URL, windowMs: extra.windowMs, log });

  it.runIf(reachable)('holds the limit across two limiters, leaving requests under it untouched', async () => {
    const s = scope();
    const a = shared(6, s, { mutationsPerMinute: 2 });
    const b = shared(6, s, { mutationsPerMinute: 2 });
    await connected(a);
    await connected(b);
    const verdicts: RateVerdict[] = [];
    for (let i = 0; i < 4; i++) verdicts.push(await a.check('user:1', false), await b.check('user:1', false));
    expect(verdicts.slice(0, 6)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(verdicts[6]).toMatchObject({ limit: 'requests', max: 6 });
    expect(verdicts[7]).toMatchObject({ limit: 'requests', max: 6 });
    // The mutation budget is shared too.
    expect(await a.check('user:2', true)).toBe('ok');
    expect(await b.check('user:2', true)).toBe('ok');
    expect(await a.check('user:2', true)).toMatchObject({ limit: 'mutations', max: 2 });
    // Limiters of another scope (another database) count apart.
    const other = shared(6, scope());
    await connected(other);
    expect(await other.check('user:1', false)).toBe('ok');
  });

  it.runIf(reachable)('starts a new window in Redis once the old one ends', async () => {
    const s = scope();
    const a = shared(2, s, { windowMs: 400 });
    const b = shared(2, s, { windowMs: 400 });
    await connected(a);
    await connected(b);
    expect([await a.check('k', false), await b.check('k', false)]).toEqual(['ok', 'ok']);
    const refused = await a.check('k', false);
    expect(refused).toMatchObject({ retryAfterSeconds: 1 });
    await sleep(450);
    expect([await b.check('k', false), await a.check('k', false)]).toEqual(['ok', 'ok']);
  });

  it.runIf(reachable)('holds the limit across two processes checking at the same time', async () => {
    const env = { PATH: process.env.PATH ?? '', REDIS_URL: TEST_REDIS_URL, RL_SCOPE: scope(), RL_KEY: 'ip:203.0.113.9', RL_PER_MINUTE: '25', RL_CHECKS: '20' };
    const one = () => run('node', ['--import', 'tsx', 'test/support/rate-limit-process.ts'], { cwd: root, env, timeout: 30_000 });
    const results = (await Promise.all([one(), one()])).map(({ stdout }) => JSON.parse(stdout) as { ok: number; refused: number });
    expect(results[0]!.ok + results[1]!.ok).toBe(25);
    expect(results[0]!.refused + results[1]!.refused).toBe(15);
  });

  it.runIf(reachable)('counts in process, and refuses nobody for it, while Redis is cut or stalled; then counts in Redis again', async () => {
    const url = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    try {
      const s = scope();
      const l = shared(3, s, { url: `redis://127.0.0.1:${proxy.port}` });
      const peer = shared(3, s);
      await connected(l);
      await connected(peer);
      expect(await l.check('c', false)).toBe('ok');
      expect(await peer.check('c', false)).toBe('ok'); // 2 of 3 spent, in Redis

      proxy.stall(); // connected, but no answer: each check waits at most 100 ms, then counts locally
      const started = performance.now();
      expect(await l.check('c', false)).toBe('ok'); // locally the first
      expect(performance.now() - started).toBeLessThan(1000);
      proxy.cut();
      proxy.resume(); // the cut dropped what the stall held
      await sleep(100);
      // Disconnected: counted at once in process, where the limit still holds.
      const local = await checks(l, 'c', 3);
      expect(oks(local)).toBe(2);
      expect(local[2]).toMatchObject({ limit: 'requests', max: 3 });
      expect(logLines.some((line) => line.includes('each gateway counts in process'))).toBe(true);

      proxy.restore();
      await connected(l);
      // Back in Redis, where the two earlier checks were counted: one left.
      expect(await l.check('c', false)).toBe('ok');
      expect(await peer.check('c', false)).toMatchObject({ limit: 'requests' });
      expect(logLines.some((line) => line.includes('Redis answers again'))).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
