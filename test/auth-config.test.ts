// AUTH_* and RATE_LIMIT_* are read by config.ts like every other variable: a
// bad value stops start-up with one line naming it (never echoing a secret),
// and a gateway started without a key says once that authentication is off.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { createTestDatabase } from './support/db.ts';
import { killIfRunning, spawnGateway, type GatewayProcess } from './support/process.ts';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes-for-hs256';
const WARNING = /authentication is off/;

describe('loadConfig', () => {
  it('leaves authentication and rate limits off by default', () => {
    const config = loadConfig({});
    expect(config.auth).toEqual({ jwtSecret: null, jwksUrl: null, issuer: null, audience: null });
    expect(config.rateLimit).toEqual({ perMinute: null, mutationsPerMinute: null });
  });

  it('reads the secret or the JWKS URL, the issuer, the audience and both limits', () => {
    expect(loadConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://id.test/', AUTH_JWT_AUDIENCE: 'shop' }).auth).toEqual({
      jwtSecret: SECRET,
      jwksUrl: null,
      issuer: 'https://id.test/',
      audience: 'shop',
    });
    expect(loadConfig({ AUTH_JWKS_URL: 'https://id.test/.well-known/jwks.json' }).auth.jwksUrl).toBe('https://id.test/.well-known/jwks.json');
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '600', RATE_LIMIT_MUTATIONS_PER_MINUTE: '60' }).rateLimit).toEqual({ perMinute: 600, mutationsPerMinute: 60 });
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimit.perMinute).toBeNull();
  });

  it.each([
    [{ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://id.test/jwks' }, 'AUTH_JWT_SECRET', /together with AUTH_JWKS_URL; set one/],
    [{ AUTH_JWT_SECRET: 'short-secret' }, 'AUTH_JWT_SECRET', /at least 32 bytes \(256 bits\), but has 12/],
    [{ AUTH_JWKS_URL: 'ftp://id.test/jwks' }, 'AUTH_JWKS_URL', /http:\/\/ or https:\/\/ URL/],
    [{ AUTH_JWKS_URL: 'not a url' }, 'AUTH_JWKS_URL', /http:\/\/ or https:\/\/ URL/],
    [{ AUTH_JWT_ISSUER: 'https://id.test/' }, 'AUTH_JWT_ISSUER', /neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is/],
    [{ AUTH_JWT_AUDIENCE: 'shop' }, 'AUTH_JWT_AUDIENCE', /authentication is off/],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE', /whole number/],
    [{ RATE_LIMIT_MUTATIONS_PER_MINUTE: 'lots' }, 'RATE_LIMIT_MUTATIONS_PER_MINUTE', /whole number/],
  ] as const)('refuses %j naming %s', (env, variable, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
    if ('AUTH_JWT_SECRET' in env) expect((error as ConfigError).message).not.toContain(env.AUTH_JWT_SECRET);
  });
});

describe('the gateway process', () => {
  let config: Config;
  let gateway: GatewayProcess | undefined;
  beforeAll(async () => {
    config = await createTestDatabase('auth_config');
  });
  afterEach(() => killIfRunning(gateway));

  const listening = (g: GatewayProcess) => g.waitForLine((_line, json) => typeof json?.port === 'number', 30_000);

  it('logs one warning line that authentication is off when no key is set', async () => {
    gateway = spawnGateway({ DATABASE_URL: config.databaseUrl, PORT: '0' });
    await listening(gateway);
    const warnings = gateway.lines.filter((line) => WARNING.test(line));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, msg: expect.stringMatching(/every request acts as admin/) });
  });

  it('logs no such warning, and never the secret, with AUTH_JWT_SECRET set', async () => {
    gateway = spawnGateway({ DATABASE_URL: config.databaseUrl, PORT: '0', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'debug' });
    await listening(gateway);
    expect(gateway.lines.filter((line) => WARNING.test(line))).toEqual([]);
    expect(gateway.lines.join('\n')).not.toContain(SECRET);
  });

  it('stops with one line naming AUTH_JWT_SECRET, without the secret, when AUTH_JWKS_URL is set too', async () => {
    gateway = spawnGateway({ DATABASE_URL: config.databaseUrl, PORT: '0', AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://id.test/jwks' });
    const exit = await gateway.exited;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exit.code).toBe(1);
    expect(gateway.lines).toHaveLength(1);
    expect(gateway.lines[0]).toMatch(/^Invalid AUTH_JWT_SECRET: /);
    expect(gateway.lines[0]).not.toContain(SECRET);
  });
});
