// `npm run token -- --role admin [--user 7]` / `--role customer --user 42`
// [--expires 1h]: prints a token signed with AUTH_JWT_SECRET (HS256), with
// AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE as `iss` / `aud` when set, so it passes
// this gateway's own verification. For trying the API (GraphiQL's headers
// tab) and for scripts: the token alone goes to stdout, the hint to stderr.
// With AUTH_JWKS_URL the gateway's tokens come from the identity provider
// that holds the private keys, so this command refuses.
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { decimalId } from '../viewer.ts';
import { ConfigError, loadConfig } from '../config.ts';

const USAGE = 'usage: npm run token -- --role admin|customer [--user ID] [--expires 1h]  (--user is required for a customer)';
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_EXPIRY_S = 365 * 86_400;

class UsageError extends Error {}

/** "90s", "15m", "1h", "30d" to seconds. */
function parseExpiry(text: string): number {
  const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!(seconds > 0 && seconds <= MAX_EXPIRY_S)) {
    throw new UsageError(`--expires must be a duration such as 90s, 15m, 1h or 30d (at most 365d), but got "${text}"`);
  }
  return seconds;
}

async function main(argv: string[]): Promise<string> {
  let values: { role?: string; user?: string; expires?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { role: { type: 'string' }, user: { type: 'string' }, expires: { type: 'string', default: '1h' } },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { role, user, expires = '1h' } = values;
  if (role !== 'admin' && role !== 'customer') throw new UsageError(`--role must be admin or customer, but got ${role === undefined ? 'nothing' : `"${role}"`}\n${USAGE}`);
  const userId = user === undefined ? null : decimalId(user);
  if (user !== undefined && userId === null) throw new UsageError(`--user must be a decimal user id such as 42, but got "${user}"`);
  if (role === 'customer' && userId === null) throw new UsageError(`a customer token needs --user: the customer's user id\n${USAGE}`);
  const seconds = parseExpiry(expires);

  const { auth } = loadConfig();
  if (auth.jwtSecret === null) {
    throw new UsageError(
      auth.jwksUrl !== null
        ? 'AUTH_JWKS_URL is set: this gateway accepts tokens from the identity provider that serves those keys; npm run token signs only with AUTH_JWT_SECRET.'
        : 'AUTH_JWT_SECRET is not set, so there is nothing to sign with (and the gateway has authentication off). Set it to at least 32 random bytes, e.g. AUTH_JWT_SECRET=$(openssl rand -hex 32), for both this command and the gateway.',
    );
  }
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + seconds);
  if (userId !== null) jwt = jwt.setSubject(userId);
  if (auth.issuer !== null) jwt = jwt.setIssuer(auth.issuer);
  if (auth.audience !== null) jwt = jwt.setAudience(auth.audience);
  const token = await jwt.sign(new TextEncoder().encode(auth.jwtSecret));
  const who = role === 'customer' ? `customer ${userId}` : userId === null ? 'admin' : `admin (user ${userId})`;
  console.error(`A token for ${who}, valid until ${new Date((now + seconds) * 1000).toISOString()}. In GraphiQL, open Headers and paste {"Authorization": "Bearer <the token>"}.`);
  return token;
}

try {
  console.log(await main(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof UsageError || error instanceof ConfigError)) throw error;
  console.error(`token: ${error.message}`);
  process.exit(1);
}
