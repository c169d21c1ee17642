// The signing keys behind AUTH_JWKS_URL, fetched and cached. jose picks and
// imports the key for a token (createLocalJWKSet); this module decides when
// to fetch, because jose's own remote set refetches on every request while
// the JWKS server is down once its cache has aged (each request then waits
// for the fetch to time out, and every token is refused), and its cooldown
// only counts from a successful fetch. Here:
//   - the keys are fetched on first use and again once older than
//     `cacheMaxAgeMs`, or when a token names a `kid` the cached set lacks
//     (a key rotated in);
//   - at most one fetch runs at a time, and two start at least `cooldownMs`
//     apart whatever prompted them (an attacker sending random `kid`s costs
//     the JWKS server one request per cooldown);
//   - a failed fetch keeps the keys fetched before (a key rotated out stays
//     valid until a fetch succeeds without it); with no keys at all, tokens
//     are refused at once as "keys unavailable" until the next attempt.
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import type { Logger } from '../logger.ts';

export interface KeySetOptions {
  /** Keys older than this are fetched again on the next token (default 10 minutes). */
  readonly cacheMaxAgeMs?: number;
  /** Least time between the starts of two fetches (default 30 s). */
  readonly cooldownMs?: number;
  /** A fetch slower than this fails (default 3 s). */
  readonly timeoutMs?: number;
  readonly log?: Logger;
}

/** No keys to verify with: the JWKS server has not answered yet. The client's token may be fine. */
export class KeysUnavailableError extends Error {
  constructor(reason: string) {
    super(`The token's signing keys could not be fetched (${reason}).`);
    this.name = 'KeysUnavailableError';
  }
}

/** A JWKS larger than this is refused: a key set is a few KB. */
const MAX_JWKS_BYTES = 512 * 1024;

type KeyLookup = ReturnType<typeof createLocalJWKSet>;

export interface RemoteKeySet {
  /** The key for a token's protected header, for jose's jwtVerify. */
  (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>;
}

export function createRemoteKeySet(url: URL, options: KeySetOptions = {}): RemoteKeySet {
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 10 * 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 3000;
  // Logged without its query string, which could carry a credential.
  const where = `${url.origin}${url.pathname}`;
  let keys: KeyLookup | null = null;
  let fetchedAt = -Infinity;
  let attemptedAt = -Infinity;
  let lastFailure = 'not fetched yet';
  let pending: Promise<boolean> | null = null;

  const coolingDown = () => performance.now() - attemptedAt < cooldownMs;

  /** Fetches the set (one fetch at a time); true when it replaced the cached keys. */
  function refresh(): Promise<boolean> {
    if (pending) return pending;
    attemptedAt = performance.now();
    pending = fetchKeySet(url, timeoutMs)
      .then((set) => {
        keys = createLocalJWKSet(set);
        fetchedAt = performance.now();
        options.log?.info({ jwks: where, keys: set.keys.length }, 'fetched the token signing keys');
        return true;
      })
      .catch((error: unknown) => {
        lastFailure = describe(error);
        options.log?.warn(
          { jwks: where, reason: lastFailure, keptKeys: keys !== null },
          keys ? 'could not fetch the token signing keys; verifying with those fetched before' : 'could not fetch the token signing keys',
        );
        return false;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  }

  return async (header, token) => {
    const stale = performance.now() - fetchedAt >= cacheMaxAgeMs;
    if ((keys === null || stale) && (pending || !coolingDown())) await refresh();
    if (keys === null) throw new KeysUnavailableError(lastFailure);
    try {
      return await keys(header, token);
    } catch (error) {
      // A kid the cached set lacks: perhaps a key rotated in since.
      if (!(error instanceof errors.JWKSNoMatchingKey) || (!pending && coolingDown())) throw error;
      if (!(await refresh())) throw error;
      return keys(header, token);
    }
  };
}

async function fetchKeySet(url: URL, timeoutMs: number): Promise<JSONWebKeySet> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
    headers: { accept: 'application/jwk-set+json, application/json' },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_JWKS_BYTES) {
    await response.body?.cancel();
    throw new Error(`the key set is ${declared} bytes, more than ${MAX_JWKS_BYTES}`);
  }
  const text = await response.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error(`the key set is more than ${MAX_JWKS_BYTES} bytes`);
  const set = JSON.parse(text) as JSONWebKeySet;
  if (!set || !Array.isArray(set.keys)) throw new Error('the answer is not a JSON Web Key Set (no "keys" array)');
  // Malformed keys throw here, before the set replaces the cached one.
  createLocalJWKSet(set);
  return set;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return cause.code; // e.g. ECONNREFUSED
    return error.message;
  }
  return String(error);
}
