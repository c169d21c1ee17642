// `npm run token` as a person runs it: a real process whose token the
// gateway's own verification accepts, and clear refusals without a secret.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.ts';
import { loadConfig } from '../src/config.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const SECRET = 'cli-test-secret-that-is-at-least-32-bytes-long';

async function token(args: string[], env: Record<string, string> = { AUTH_JWT_SECRET: SECRET }) {
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', 'src/cli/token.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error: any) {
    return { code: error.code as number, stdout: error.stdout as string, stderr: error.stderr as string };
  }
}

describe('npm run token', () => {
  it('prints an admin token and a customer token that the gateway verifies as that viewer', async () => {
    const auth = createAuthenticator(loadConfig({ AUTH_JWT_SECRET: SECRET }).auth);
    const admin = await token(['--role', 'admin']);
    expect(admin.code).toBe(0);
    expect(admin.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(admin.stderr).toMatch(/In GraphiQL, open Headers and paste \{"Authorization": "Bearer <the token>"\}/);
    expect(await auth.authenticate(`Bearer ${admin.stdout.trim()}`)).toEqual({ kind: 'admin', userId: null });

    const customer = await token(['--role', 'customer', '--user', '42']);
    expect(customer.code).toBe(0);
    expect(await auth.authenticate(`Bearer ${customer.stdout.trim()}`)).toEqual({ kind: 'customer', userId: '42' });
    expect(decodeProtectedHeader(customer.stdout.trim())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('honours --expires and carries the configured issuer and audience', async () => {
    const env = { AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://shop.test/', AUTH_JWT_AUDIENCE: 'shop-api' };
    const out = await token(['--role', 'admin', '--user', '7', '--expires', '15m'], env);
    expect(out.code).toBe(0);
    const claims = decodeJwt(out.stdout.trim());
    expect(claims).toMatchObject({ role: 'admin', sub: '7', iss: 'https://shop.test/', aud: 'shop-api' });
    expect(claims.exp! - claims.iat!).toBe(900);
    const auth = createAuthenticator(loadConfig(env).auth);
    expect(await auth.authenticate(`Bearer ${out.stdout.trim()}`)).toEqual({ kind: 'admin', userId: '7' });
    // The default is one hour.
    const plain = decodeJwt((await token(['--role', 'admin'])).stdout.trim());
    expect(plain.exp! - plain.iat!).toBe(3600);
  });

  it('refuses clearly without AUTH_JWT_SECRET, or with AUTH_JWKS_URL instead', async () => {
    const none = await token(['--role', 'admin'], {});
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^token: AUTH_JWT_SECRET is not set/);
    const jwks = await token(['--role', 'admin'], { AUTH_JWKS_URL: 'https://id.test/jwks' });
    expect(jwks.code).toBe(1);
    expect(jwks.stderr).toMatch(/AUTH_JWKS_URL is set/);
  });

  it.each([
    [['--role', 'customer'], /a customer token needs --user/],
    [['--role', 'root'], /--role must be admin or customer, but got "root"/],
    [[], /--role must be admin or customer, but got nothing/],
    [['--role', 'customer', '--user', 'bob'], /--user must be a decimal user id/],
    [['--role', 'admin', '--expires', 'forever'], /--expires must be a duration/],
    [['--role', 'admin', '--expires', '400d'], /at most 365d/],
    [['--role', 'admin', '--colour', 'red'], /Unknown option '--colour'/],
  ])('refuses %j with a message that teaches', async (args, message) => {
    const out = await token(args);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toContain(SECRET);
  });
});
