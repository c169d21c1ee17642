// The response cache in Redis (RESPONSE_CACHE_STORE=redis): every gateway of
// a database shares the entries and the version counters, so one gateway's
// miss fills the cache for all, and a mutation through any of them makes the
// entries it changed stale for all (see response-cache.ts for the versions).
//
// Keys, under the database's scope so gateways of different databases never
// share anything:  gw:rc:<scope>:v:<entity>  a counter, never expiring;
//                  gw:rc:<scope>:e:<sha256 of the cache key>  "<versions>\n<body>", PX ttl,
// where <versions> is the four versions it was read under, in ENTITIES order,
// empty for entities it did not read.
//
// Redis is a cache here, never a dependency: its own connection with no
// offline queue and a short command timeout, so when Redis is slow or gone a
// lookup is a miss within COMMAND_TIMEOUT_MS (at once while disconnected) and
// a write or invalidation is dropped and logged, once per outage.
// The weakness: an invalidation that cannot reach Redis is missing there. This
// gateway remembers what it could not bump and bumps it as soon as it reaches
// Redis again; until then (or for good, if it stops first) every gateway may
// serve entries that read those entities, up to their TTL.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { ENTITIES, sizeOf, ttlOf, type CachedEntity, type Lookup, type ResponseCache, type TtlOptions, type Versions } from './response-cache.ts';

/** How long a lookup may add to a request when Redis hangs. */
export const COMMAND_TIMEOUT_MS = 250;

export interface RedisCacheOptions extends TtlOptions {
  url: string;
  /** The database served (eventScope): part of every key. */
  scope: string;
  /** An entry over this size (see sizeOf) is not stored. */
  maxEntryBytes: number;
  log: Logger;
}

export class RedisResponseCache implements ResponseCache {
  readonly kind = 'redis';
  readonly #redis: Redis;
  readonly #options: RedisCacheOptions;
  readonly #prefix: string;
  readonly #versionKeys: readonly string[];
  readonly #ready: Promise<void>;
  /** Entities whose invalidation could not be sent: bumped once Redis answers again. */
  readonly #lost = new Set<CachedEntity>();
  #down = false;
  #seeding: Promise<boolean> | null = null;
  hits = 0;
  misses = 0;

  constructor(options: RedisCacheOptions) {
    this.#options = options;
    this.#prefix = `gw:rc:${options.scope}:`;
    this.#versionKeys = ENTITIES.map((entity) => `${this.#prefix}v:${entity}`);
    this.#redis = new Redis(options.url, {
      connectionName: 'gateway-response-cache',
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
    });
    // Without a listener a lost connection would be an uncaught 'error'.
    this.#redis.on('error', (error: unknown) => this.#failed(error, 'connect'));
    this.#ready = new Promise((resolve) => {
      this.#redis.on('ready', () => {
        // Sent before any lookup on this connection, so Redis applies them first.
        const seeded = this.#seed();
        this.#flushLost();
        void seeded.then((ok) => ok && resolve());
      });
    });
  }

  /** Resolves once connected with the versions seeded (tests wait for it). */
  ready(): Promise<void> {
    return this.#ready;
  }

  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  get(key: string): Lookup | Promise<Lookup> {
    if (this.#redis.status !== 'ready') {
      this.misses++;
      return null;
    }
    // One round trip: the entry and the current versions together.
    return this.#redis.mget(this.#entryKey(key), ...this.#versionKeys).then(
      ([value, ...versions]) => {
        this.#ok();
        if (versions.includes(null)) void this.#seed();
        if (value != null) {
          const newline = value.indexOf('\n');
          if (newline >= 0 && readUnder(value.slice(0, newline), versions)) {
            this.hits++;
            return value.slice(newline + 1);
          }
        }
        this.misses++;
        return versions;
      },
      (error: unknown) => {
        this.#failed(error, 'get');
        this.misses++;
        return null;
      },
    );
  }

  set(key: string, body: string, entities: readonly CachedEntity[], onlyCounts: boolean, snapshot: Versions): Promise<void> | void {
    const ttl = ttlOf(this.#options, entities, onlyCounts);
    if (!(ttl > 0 && ttl < Infinity) || sizeOf(key, body) > this.#options.maxEntryBytes) return;
    let header = '';
    for (let i = 0; i < ENTITIES.length; i++) {
      const version = entities.includes(ENTITIES[i]!) ? snapshot[i] : '';
      // Unknown (unseeded) version: nothing could tell this entry stale later.
      if (version == null) return;
      header += i === 0 ? version : `,${version}`;
    }
    if (this.#redis.status !== 'ready') return;
    return this.#redis.set(this.#entryKey(key), `${header}\n${body}`, 'PX', ttl).then(
      () => this.#ok(),
      (error: unknown) => this.#failed(error, 'set'),
    );
  }

  invalidate(entities: readonly string[]): Promise<void> | void {
    const changed = ENTITIES.filter((entity) => entities.includes(entity));
    if (changed.length === 0) return;
    if (this.#redis.status !== 'ready') {
      for (const entity of changed) this.#lost.add(entity);
      this.#failed(new Error(`Redis connection is ${this.#redis.status}`), 'invalidate');
      return;
    }
    return this.#bump(changed);
  }

  async close(): Promise<void> {
    const redis = this.#redis;
    // quit() waits for a reply that never comes while disconnected.
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }

  #entryKey(key: string): string {
    return `${this.#prefix}e:${createHash('sha256').update(key).digest('base64url')}`;
  }

  #bump(entities: readonly CachedEntity[]): Promise<void> {
    const multi = this.#redis.multi();
    const seed = seedVersion();
    for (const entity of entities) {
      const key = `${this.#prefix}v:${entity}`;
      multi.set(key, seed, 'NX').incr(key);
    }
    return multi.exec().then(
      (replies) => {
        const failure = !replies ? new Error('MULTI aborted') : replies.find(([error]) => error)?.[0];
        if (failure) throw failure;
        this.#ok();
      },
    ).catch((error: unknown) => {
      for (const entity of entities) this.#lost.add(entity);
      this.#failed(error, 'invalidate');
    });
  }

  /** Creates missing version counters; false when Redis did not answer. */
  #seed(): Promise<boolean> {
    if (this.#seeding) return this.#seeding;
    const pipeline = this.#redis.pipeline();
    const seed = seedVersion();
    for (const key of this.#versionKeys) pipeline.set(key, seed, 'NX');
    this.#seeding = pipeline.exec().then(
      () => true,
      (error: unknown) => {
        this.#failed(error, 'seed');
        return false;
      },
    ).finally(() => {
      this.#seeding = null;
    });
    return this.#seeding;
  }

  #flushLost(): void {
    if (this.#lost.size === 0) return;
    const lost = [...this.#lost];
    this.#lost.clear();
    void this.#bump(lost);
  }

  #failed(error: unknown, action: string): void {
    if (this.#down) return;
    this.#down = true;
    this.#options.log.warn({ err: error, action }, 'Redis response cache unavailable; answering from the database');
  }

  #ok(): void {
    if (this.#lost.size > 0) this.#flushLost();
    if (!this.#down) return;
    this.#down = false;
    this.#options.log.info('Redis response cache restored');
  }
}

/** Whether an entry's versions header matches the current versions for every entity it read. */
function readUnder(header: string, versions: readonly (string | null)[]): boolean {
  const stored = header.split(',');
  if (stored.length !== versions.length) return false;
  for (let i = 0; i < stored.length; i++) {
    if (stored[i] !== '' && stored[i] !== versions[i]) return false;
  }
  return true;
}

/**
 * Counters start at the clock in microseconds rather than 0: should a counter
 * ever be lost (evicted, deleted) while entries that read it live on, the new
 * one starts above every value the old one reached (unless it was bumped more
 * than once per microsecond), so no old entry can match it again.
 */
function seedVersion(): string {
  return String(Date.now() * 1000);
}
