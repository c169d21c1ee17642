// Token verification from the attacker's side: tokens signed here, a JWKS
// served on 127.0.0.1 here, and every pino line the authenticators wrote
// checked afterwards for tokens and secrets.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { exportSPKI } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, isRefusal, MAX_AUTHORIZATION_LENGTH, type AuthRefusal, type Authenticator } from '../src/auth/authenticate.ts';
import type { Viewer } from '../src/viewer.ts';
import type { AuthConfig } from '../src/config.ts';
import { base64url, closedUrl, issuedTokens, makeKey, sign, startJwksServer, type JwksServer, type TestKey } from './support/jwks-server.ts';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const SECRET_BYTES = new TextEncoder().encode(SECRET);
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'shop-gateway';

const logLines: string[] = [];
const log = pino(
  { level: 'trace' },
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  }),
);

const config = (overrides: Partial<AuthConfig>): AuthConfig => ({ jwtSecret: null, jwksUrl: null, issuer: null, audience: null, ...overrides });
const bearer = (token: string) => `Bearer ${token}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function refused(result: Viewer | AuthRefusal, reason: AuthRefusal['reason']): AuthRefusal {
  expect(isRefusal(result), `expected a refusal (${reason}), got ${JSON.stringify(result)}`).toBe(true);
  const refusal = result as AuthRefusal;
  expect(refusal.reason).toBe(reason);
  expect(refusal.code).toBe(reason === 'keys_unavailable' ? 'SERVICE_UNAVAILABLE' : 'UNAUTHENTICATED');
  expect(refusal.status).toBe(reason === 'keys_unavailable' ? 503 : 401);
  return refusal;
}

let keyA: TestKey;
let keyB: TestKey;
let keyC: TestKey;
let hs: Authenticator;

beforeAll(async () => {
  [keyA, keyB, keyC] = await Promise.all([makeKey('key-a', 'RS256'), makeKey('key-b', 'RS256'), makeKey('key-c', 'ES256')]);
  hs = createAuthenticator(config({ jwtSecret: SECRET, issuer: ISSUER, audience: AUDIENCE }), { log });
});

afterAll(() => {
  // Not a token, a secret, nor any part of one (a signature alone is a credential's tail).
  const secrets = [SECRET, ...issuedTokens, ...issuedTokens.flatMap((token) => token.split('.').filter((part) => part.length > 20))];
  const leaks = logLines.filter((line) => secrets.some((secret) => line.includes(secret)));
  expect(leaks).toEqual([]);
  expect(logLines.length).toBeGreaterThan(10); // the refusals were logged, without their tokens
});

const good = { issuer: ISSUER, audience: AUDIENCE };

describe('HS256 (AUTH_JWT_SECRET) with issuer and audience', () => {
  it('accepts a customer token as that customer, and admin tokens with or without a user', async () => {
    expect(await hs.authenticate(bearer(await sign({ role: 'customer', sub: '42' }, SECRET_BYTES, good)))).toEqual({ kind: 'customer', userId: '42' });
    expect(await hs.authenticate(bearer(await sign({ role: 'admin', sub: '7' }, SECRET_BYTES, good)))).toEqual({ kind: 'admin', userId: '7' });
    expect(await hs.authenticate(bearer(await sign({ role: 'admin', sub: 'auth0|5f7c' }, SECRET_BYTES, good)))).toEqual({ kind: 'admin', userId: null });
    expect(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, good)))).toEqual({ kind: 'admin', userId: null });
    // The scheme is case-insensitive (RFC 7235).
    expect(await hs.authenticate(`bearer ${await sign({ role: 'customer', sub: '1' }, SECRET_BYTES, good)}`)).toEqual({ kind: 'customer', userId: '1' });
  });

  it('treats a request without a token as anonymous', async () => {
    expect(await hs.authenticate(undefined)).toEqual({ kind: 'anonymous' });
    expect(await hs.authenticate('')).toEqual({ kind: 'anonymous' });
  });

  it('refuses alg "none" in any spelling, unsigned', async () => {
    const payload = base64url(JSON.stringify({ role: 'admin', sub: '1', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }));
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${base64url(JSON.stringify({ alg, typ: 'JWT' }))}.${payload}.`;
      issuedTokens.push(token);
      const refusal = refused(await hs.authenticate(bearer(token)), alg === 'none' ? 'algorithm' : 'algorithm');
      expect(refusal.message).toMatch(/accepts HS256/);
    }
  });

  it('refuses another HMAC algorithm with the right secret (HS512)', async () => {
    const header = base64url(JSON.stringify({ alg: 'HS512', typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ role: 'admin', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }));
    const signature = createHmac('sha512', SECRET).update(`${header}.${payload}`).digest('base64url');
    issuedTokens.push(`${header}.${payload}.${signature}`);
    refused(await hs.authenticate(bearer(`${header}.${payload}.${signature}`)), 'algorithm');
  });

  it('refuses an expired token, one not valid yet, and one without exp', async () => {
    refused(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { ...good, expiresIn: -60 }))), 'expired');
    refused(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { ...good, notBefore: 60 }))), 'not_yet_valid');
    refused(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { ...good, expiresIn: null }))), 'missing_exp');
    // Within the 5 s of clock tolerance it still passes.
    expect(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { ...good, expiresIn: -2 })))).toEqual({ kind: 'admin', userId: null });
  });

  it('refuses a wrong or missing issuer or audience', async () => {
    refused(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { ...good, issuer: 'https://evil.test/' }))), 'wrong_issuer');
    refused(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { audience: AUDIENCE }))), 'wrong_issuer');
    refused(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { ...good, audience: 'another-api' }))), 'wrong_audience');
    refused(await hs.authenticate(bearer(await sign({ role: 'admin' }, SECRET_BYTES, { issuer: ISSUER }))), 'wrong_audience');
  });

  it('refuses a tampered payload, a tampered signature and another secret', async () => {
    const [header, , signature] = (await sign({ role: 'customer', sub: '42' }, SECRET_BYTES, good)).split('.');
    const payload = base64url(JSON.stringify({ role: 'admin', sub: '42', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }));
    issuedTokens.push(`${header}.${payload}.${signature}`);
    refused(await hs.authenticate(bearer(`${header}.${payload}.${signature}`)), 'signature');
    const token = await sign({ role: 'customer', sub: '42' }, SECRET_BYTES, good);
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    refused(await hs.authenticate(bearer(flipped)), 'signature');
    const other = await sign({ role: 'admin' }, new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'), good);
    refused(await hs.authenticate(bearer(other)), 'signature');
  });

  it('refuses a 16 KB header before decoding it', async () => {
    const hugeHeader = `${base64url(JSON.stringify({ alg: 'HS256', pad: 'x'.repeat(16 * 1024) }))}.e30.sig`;
    const refusal = refused(await hs.authenticate(bearer(hugeHeader)), 'too_long');
    expect(refusal.message).toContain(String(MAX_AUTHORIZATION_LENGTH));
    refused(await hs.authenticate(`Bearer ${'a'.repeat(16 * 1024)}`), 'too_long');
  });

  it('refuses a customer without sub, with a sub that is not a decimal id, and a missing or unknown role', async () => {
    const claims: Record<string, unknown>[] = [
      { role: 'customer' },
      { role: 'customer', sub: 'abc' },
      { role: 'customer', sub: '042' },
      { role: 'customer', sub: '-1' },
      { role: 'customer', sub: '0' },
      { role: 'customer', sub: '18446744073709551616' },
      { role: 'customer', sub: 42 },
      { sub: '42' },
      { role: 'superuser', sub: '1' },
      { role: ['admin'], sub: '1' },
    ];
    for (const claim of claims) {
      const refusal = refused(await hs.authenticate(bearer(await sign(claim, SECRET_BYTES, good))), 'claims');
      expect(refusal.message).toMatch(/"sub"|"role"/);
    }
  });

  it('refuses headers that are not one "Bearer <token>"', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Token abc.def.ghi', 'Bearer a.b.c extra', 'Bearer "a.b.c"']) {
      refused(await hs.authenticate(header), 'malformed_header');
    }
    refused(await hs.authenticate(['Bearer a.b.c', 'Bearer d.e.f']), 'malformed_header');
    refused(await hs.authenticate('Bearer not-a-jwt'), 'malformed_token');
    refused(await hs.authenticate(`Bearer ${base64url('{')}.${base64url('{}')}.x`), 'malformed_token');
  });
});

describe('authentication off', () => {
  it('acts as an admin without a user for every request, whatever it sends', async () => {
    const off = createAuthenticator(config({}), { log });
    expect(off.enabled).toBe(false);
    for (const header of [undefined, '', 'Bearer garbage', bearer(await sign({ role: 'customer', sub: '5' }, SECRET_BYTES))]) {
      expect(await off.authenticate(header)).toEqual({ kind: 'admin', userId: null });
    }
  });
});

describe('RS256/ES256 (AUTH_JWKS_URL)', () => {
  let jwks: JwksServer;
  const cooldownMs = 300;
  const viaJwks = (options: { cacheMaxAgeMs?: number; timeoutMs?: number; url?: string } = {}) =>
    createAuthenticator(config({ jwksUrl: options.url ?? jwks.url, audience: AUDIENCE }), {
      log,
      keySet: { cooldownMs, cacheMaxAgeMs: options.cacheMaxAgeMs ?? 60_000, timeoutMs: options.timeoutMs ?? 1000 },
    });

  beforeAll(async () => {
    jwks = await startJwksServer([keyA, keyC]);
  });
  afterAll(async () => {
    await jwks?.close();
  });

  it('verifies RS256 and ES256 tokens with keys fetched once', async () => {
    jwks.serve([keyA, keyC]);
    const auth = viaJwks();
    const before = jwks.fetches;
    expect(await auth.authenticate(bearer(await sign({ role: 'customer', sub: '3' }, keyA, { audience: AUDIENCE })))).toEqual({ kind: 'customer', userId: '3' });
    expect(await auth.authenticate(bearer(await sign({ role: 'admin', sub: '9' }, keyC, { audience: AUDIENCE })))).toEqual({ kind: 'admin', userId: '9' });
    expect(jwks.fetches - before).toBe(1);
  });

  it('refuses an HS256 token signed with the RS256 public key as its secret, and alg "none"', async () => {
    jwks.serve([keyA]);
    const auth = viaJwks();
    const pem = await exportSPKI(keyA.publicKey);
    for (const secret of [pem, pem.trim(), JSON.stringify(keyA.jwk)]) {
      const header = base64url(JSON.stringify({ alg: 'HS256', kid: keyA.kid, typ: 'JWT' }));
      const payload = base64url(JSON.stringify({ role: 'admin', aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }));
      const token = `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`;
      issuedTokens.push(token);
      expect(refused(await auth.authenticate(bearer(token)), 'algorithm').message).toMatch(/RS256 or ES256/);
    }
    const none = `${base64url(JSON.stringify({ alg: 'none', kid: keyA.kid }))}.${base64url(JSON.stringify({ role: 'admin', aud: AUDIENCE, exp: 9e9 }))}.`;
    refused(await auth.authenticate(bearer(none)), 'algorithm');
  });

  it('refetches for a key rotated in, then refuses the key rotated out', async () => {
    jwks.serve([keyA]);
    const auth = viaJwks();
    const tokenA = await sign({ role: 'customer', sub: '1' }, keyA, { audience: AUDIENCE });
    const tokenB = await sign({ role: 'customer', sub: '2' }, keyB, { audience: AUDIENCE });
    const start = jwks.fetches;
    expect(await auth.authenticate(bearer(tokenA))).toEqual({ kind: 'customer', userId: '1' });
    jwks.serve([keyB]); // A rotated out, B in
    await sleep(cooldownMs + 50);
    expect(await auth.authenticate(bearer(tokenB))).toEqual({ kind: 'customer', userId: '2' });
    expect(jwks.fetches - start).toBe(2);
    // The refetched set lacks A: refused, and no new fetch within the cooldown.
    refused(await auth.authenticate(bearer(tokenA)), 'unknown_key');
    expect(jwks.fetches - start).toBe(2);
    await sleep(cooldownMs + 50);
    refused(await auth.authenticate(bearer(tokenA)), 'unknown_key');
    expect(jwks.fetches - start).toBe(3);
  });

  it('refetches an unknown kid once per cooldown, and accepts it once it is rotated in', async () => {
    jwks.serve([keyA]);
    const auth = viaJwks();
    const tokenB = await sign({ role: 'admin', sub: '5' }, keyB, { audience: AUDIENCE });
    const start = jwks.fetches;
    refused(await auth.authenticate(bearer(tokenB)), 'unknown_key'); // first fetch: no B
    expect(jwks.fetches - start).toBe(1);
    // Twenty more at once, within the cooldown: not one more fetch.
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(bearer(tokenB))));
    for (const result of results) refused(result, 'unknown_key');
    expect(jwks.fetches - start).toBe(1);
    jwks.serve([keyA, keyB]);
    await sleep(cooldownMs + 50);
    // After the cooldown, twenty at once share one refetch, and all pass.
    const after = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(bearer(tokenB))));
    expect(after).toEqual(Array.from({ length: 20 }, () => ({ kind: 'admin', userId: '5' })));
    expect(jwks.fetches - start).toBe(2);
    expect(await auth.authenticate(bearer(tokenB))).toEqual({ kind: 'admin', userId: '5' });
    expect(jwks.fetches - start).toBe(2);
  });

  it('refuses with SERVICE_UNAVAILABLE (503), not a crash, when the JWKS server is down and no key is cached', async () => {
    const auth = viaJwks({ url: await closedUrl() });
    const token = await sign({ role: 'admin' }, keyA, { audience: AUDIENCE });
    const refusal = refused(await auth.authenticate(bearer(token)), 'keys_unavailable');
    expect(refusal.message).toMatch(/could not be fetched \(ECONNREFUSED\)/);
    // Within the cooldown the next one is refused at once, without a new attempt.
    const started = performance.now();
    refused(await auth.authenticate(bearer(token)), 'keys_unavailable');
    expect(performance.now() - started).toBeLessThan(50);
    expect(logLines.some((line) => line.includes('could not fetch the token signing keys'))).toBe(true);
  });

  it('refuses as keys unavailable when the JWKS server errors, answers garbage or hangs past the timeout', async () => {
    const token = await sign({ role: 'admin' }, keyA, { audience: AUDIENCE });
    for (const mode of ['error', 'garbage', 'hang'] as const) {
      jwks.mode = mode;
      const auth = viaJwks({ timeoutMs: 200 });
      const started = performance.now();
      const refusal = refused(await auth.authenticate(bearer(token)), 'keys_unavailable');
      expect(performance.now() - started).toBeLessThan(1500);
      if (mode === 'hang') expect(refusal.message).toMatch(/timed out/);
      if (mode === 'error') expect(refusal.message).toMatch(/HTTP 500/);
    }
    jwks.mode = 'ok';
  });

  it('keeps verifying with the cached keys while the JWKS server is down past their age', async () => {
    const own = await startJwksServer([keyA]);
    const auth = viaJwks({ url: own.url, cacheMaxAgeMs: 100 });
    const token = await sign({ role: 'customer', sub: '8' }, keyA, { audience: AUDIENCE });
    expect(await auth.authenticate(bearer(token))).toEqual({ kind: 'customer', userId: '8' });
    await own.close();
    await sleep(cooldownMs + 50);
    expect(await auth.authenticate(bearer(token))).toEqual({ kind: 'customer', userId: '8' });
    expect(logLines.some((line) => line.includes('verifying with those fetched before'))).toBe(true);
  });
});

describe('the node:http answer to a refused token', () => {
  it('is 401 with WWW-Authenticate and UNAUTHENTICATED, or 503 with Retry-After, from a real HTTP server', async () => {
    const { createServer } = await import('node:http');
    const { sendAuthRefusal, wwwAuthenticate } = await import('../src/auth/http.ts');
    const down = createAuthenticator(config({ jwksUrl: await closedUrl() }), { log });
    const server = createServer((req, res) => {
      const auth = req.headers['x-use'] === 'jwks' ? down : hs;
      void auth.authenticate(req.headers.authorization).then((viewer) => {
        if (isRefusal(viewer)) return sendAuthRefusal(res, viewer, { requestId: 'req-1', mediaType: 'application/graphql-response+json' });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(viewer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
    try {
      const expired = await sign({ role: 'customer', sub: '4' }, SECRET_BYTES, { ...good, expiresIn: -60 });
      const res = await fetch(url, { headers: { authorization: bearer(expired) } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="shop", error="invalid_token", error_description="The token has expired; get a new one."`,
      );
      expect(res.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
      expect(await res.json()).toEqual({
        errors: [{ message: 'The token has expired; get a new one.', extensions: { code: 'UNAUTHENTICATED', reason: 'expired', requestId: 'req-1' } }],
      });
      // Quotes in a message are not allowed in error_description.
      const noSub = await fetch(url, { headers: { authorization: bearer(await sign({ role: 'customer' }, SECRET_BYTES, good)) } });
      expect(noSub.headers.get('www-authenticate')).toMatch(/error_description="A customer token must carry the user id in its 'sub' claim."$/);
      const unavailable = await fetch(url, { headers: { authorization: bearer(await sign({ role: 'admin' }, keyA)), 'x-use': 'jwks' } });
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBe('5');
      expect(unavailable.headers.get('www-authenticate')).toBeNull();
      expect((await unavailable.json()).errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'keys_unavailable' });
      const ok = await fetch(url, { headers: { authorization: bearer(await sign({ role: 'customer', sub: '4' }, SECRET_BYTES, good)) } });
      expect(await ok.json()).toEqual({ kind: 'customer', userId: '4' });
      // A 16 KB Authorization header never reaches the handler: node:http answers 431.
      const huge = await fetch(url, { headers: { authorization: `Bearer ${'a'.repeat(16 * 1024)}` } });
      expect(huge.status).toBe(431);
      expect(wwwAuthenticate()).toBe('Bearer realm="shop"');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
