// Per-client rate limits (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_MUTATIONS_PER_MINUTE),
// checked by the node:http front before any GraphQL work: check(key,
// isMutation) -> 'ok' | { retryAfterSeconds, ... }. Every request counts one
// against the request budget; a mutation also counts one against the
// mutation budget. The key is the viewer's user id, else the client address
// (rateLimitKey).
//
// Fixed windows of one minute per client, begun by its first request: one
// counter per client and budget, so a check is one INCR (both budgets in one
// Lua script, one round trip), and Retry-After is exactly the time left in
// the window. The price: a client can spend up to twice its budget within a
// minute that straddles two windows. A sliding window would smooth that at
// the cost of a second key read per check; for shedding abusive clients, the
// fixed window is enough.
//
// With REDIS_URL the counters live in Redis, shared by every gateway process
// of the same database; otherwise in process. Redis slow (over 100 ms) or
// down does not take the gateway down and does not refuse anyone for it:
// the check falls back to the in-process counters, so each gateway then
// enforces the limits alone (a client may get up to N times its budget
// across N gateways), until Redis answers again. Neither fail-closed (a
// Redis outage would refuse every request) nor fully open (no limit exactly
// when an attacker might be the cause).
//
// Not rate-limiter-flexible (a maintained library, considered): it keeps one
// limiter per budget, so a mutation would cost two Redis round trips where
// this script costs one, and its in-memory limiter sets a timer per client
// key; the fallback we want is the ten lines of `check` below.
import { Redis } from 'ioredis';
import type { Viewer } from '../viewer.ts';
import type { RateLimitConfig } from '../config.ts';
import type { Logger } from '../logger.ts';

export interface RateLimited {
  readonly retryAfterSeconds: number;
  /** Which budget is spent. */
  readonly limit: 'requests' | 'mutations';
  /** That budget, per minute. */
  readonly max: number;
}

/** 'ok' when the request may go on. */
export type RateVerdict = 'ok' | RateLimited;

export interface RateLimiter {
  /** False when neither limit is set: check() always answers 'ok'. */
  readonly enabled: boolean;
  /** Counts the request and says whether it may go on; a promise only when Redis is asked. */
  check(key: string, isMutation: boolean): RateVerdict | Promise<RateVerdict>;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** Shared counters between gateway processes. */
  readonly redisUrl?: string | null;
  /** Part of every Redis key (the database served), so gateways of different databases never share counters. */
  readonly scope: string;
  readonly log?: Logger;
  /** Window length; one minute unless a test shortens it. */
  readonly windowMs?: number;
}

/** How long a check waits for Redis before counting in process instead. */
export const REDIS_CHECK_TIMEOUT_MS = 100;
/** How long a check waits for the first connection to Redis of a starting process. */
const FIRST_CONNECT_WAIT_MS = 1000;
/** Clients counted in process at once; past it the oldest windows are dropped. */
const MAX_LOCAL_KEYS = 100_000;

/** The client a request is counted for: its user when the token names one, else its address. */
export function rateLimitKey(viewer: Viewer, clientAddress: string | undefined): string {
  if (viewer.kind !== 'anonymous' && viewer.userId !== null) return `user:${viewer.userId}`;
  return `ip:${clientAddress ?? 'unknown'}`;
}

export function createRateLimiter(config: RateLimitConfig, options: RateLimiterOptions): RateLimiter {
  const { perMinute, mutationsPerMinute } = config;
  if (perMinute === null && mutationsPerMinute === null) return { enabled: false, check: () => 'ok', close: async () => {} };
  const windowMs = options.windowMs ?? 60_000;
  const local = new LocalCounters(windowMs);
  const shared = options.redisUrl ? new RedisCounters(options.redisUrl, options.scope, windowMs, options.log) : null;

  const verdict = (requests: Hit, mutations: Hit | null): RateVerdict => {
    if (perMinute !== null && requests.count > perMinute) return limited('requests', perMinute, requests.resetInMs);
    if (mutations && mutationsPerMinute !== null && mutations.count > mutationsPerMinute) return limited('mutations', mutationsPerMinute, mutations.resetInMs);
    return 'ok';
  };
  const countLocally = (key: string, isMutation: boolean) =>
    verdict(local.hit(`r:${key}`), isMutation && mutationsPerMinute !== null ? local.hit(`m:${key}`) : null);

  return {
    enabled: true,
    check(key, isMutation) {
      const mutation = isMutation && mutationsPerMinute !== null;
      if (!shared?.usable) return countLocally(key, isMutation);
      return shared.hit(key, mutation).then(
        ([requests, mutations]) => verdict(requests, mutations),
        () => countLocally(key, isMutation),
      );
    },
    async close() {
      await shared?.close();
    },
  };
}

function limited(limit: RateLimited['limit'], max: number, resetInMs: number): RateLimited {
  return { limit, max, retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)) };
}

interface Hit {
  /** Requests counted in this window, this one included. */
  readonly count: number;
  readonly resetInMs: number;
}

/** In-process windows: a Map of counters, swept of ended windows once per window length. */
class LocalCounters {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #windowMs: number;
  #sweepAt = 0;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  hit(key: string): Hit {
    const now = performance.now();
    if (now >= this.#sweepAt) this.#sweep(now);
    let window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      if (window) this.#windows.delete(key); // re-inserted last, so the Map stays oldest-first
      if (this.#windows.size >= MAX_LOCAL_KEYS) this.#windows.delete(this.#windows.keys().next().value!);
      window = { count: 0, resetAt: now + this.#windowMs };
      this.#windows.set(key, window);
    }
    window.count++;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  #sweep(now: number) {
    this.#sweepAt = now + this.#windowMs;
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}

// Counts one request (and one mutation when a second key is given) and
// returns each count with its window's remaining time; a key found without
// an expiry (never left so by this script, but cheap to mend) gets one.
const HIT_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
`;

type RedisWithHit = Redis & { rateLimitHit(...args: (string | number)[]): Promise<number[]> };

/** Counters in Redis: gw:rl:<scope>:r:<client> and gw:rl:<scope>:m:<client>. */
class RedisCounters {
  readonly #redis: RedisWithHit;
  readonly #prefix: string;
  readonly #windowMs: number;
  readonly #log: Logger | undefined;
  #failing = false;

  constructor(url: string, scope: string, windowMs: number, log: Logger | undefined) {
    this.#prefix = `gw:rl:${scope}:`;
    this.#windowMs = windowMs;
    this.#log = log;
    this.#redis = new Redis(url, {
      connectionName: 'gateway-rate-limit',
      // Disconnected: fail at once (and count in process), never queue behind a reconnect.
      enableOfflineQueue: false,
      commandTimeout: REDIS_CHECK_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    }) as RedisWithHit;
    this.#redis.defineCommand('rateLimitHit', { lua: HIT_SCRIPT });
    // Without a listener a lost connection would be an uncaught 'error'.
    this.#redis.on('error', (error: unknown) => this.#failed(error));
    this.#redis.on('ready', () => this.#failing && this.#recovered());
  }

  /** Ready, or still making its first connection (a check then waits for it, within the timeout). */
  get usable(): boolean {
    const status = this.#redis.status;
    return status === 'ready' || (!this.#failing && (status === 'connecting' || status === 'connect' || status === 'wait'));
  }

  async hit(key: string, mutation: boolean): Promise<[Hit, Hit | null]> {
    if (this.#redis.status !== 'ready') await this.#ready();
    const keys = mutation ? [`${this.#prefix}r:${key}`, `${this.#prefix}m:${key}`] : [`${this.#prefix}r:${key}`];
    try {
      const out = await this.#redis.rateLimitHit(keys.length, ...keys, this.#windowMs);
      const requests = { count: out[0]!, resetInMs: out[1]! };
      if (this.#failing) this.#recovered();
      return [requests, mutation ? { count: out[2]!, resetInMs: out[3]! } : null];
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  /**
   * The connection's first 'ready', or a rejection past FIRST_CONNECT_WAIT_MS
   * (the check then counts in process): requests in a new process's first
   * moments are counted with every gateway's, not each on its own.
   */
  #ready(): Promise<void> {
    if (this.#redis.status === 'wait') void this.#redis.connect().catch(() => {});
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        reject(new Error('Redis is not connected yet'));
      }, FIRST_CONNECT_WAIT_MS);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#redis.once('ready', onReady);
    });
  }

  #recovered() {
    this.#failing = false;
    this.#log?.info('rate limits: Redis answers again; counting in Redis');
  }

  #failed(error: unknown) {
    if (this.#failing) return;
    this.#failing = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.#log?.warn({ reason }, 'rate limits: Redis does not answer; each gateway counts in process until it does');
  }

  async close() {
    this.#redis.disconnect();
  }
}
