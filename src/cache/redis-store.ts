// The response cache in Redis (RESPONSE_CACHE_STORE=redis): every gateway of
// a database shares the entries and the version counters, so one gateway's
// miss fills the cache for all, and a mutation through any of them makes the
// entries it changed stale for all (see response-cache.ts for the versions).
//
// Keys, under the database's scope so gateways of different databases never
// share anything:  gw:rc:<scope>:v:<entity>  a counter, never expiring;
//                  gw:rc:<scope>:e:<sha256 of the cache key>
//                      "<expiresAt>,<versions>\n<body>", PX ttl,
// where <expiresAt> is the absolute expiry in epoch ms, set once by the
// gateway that stored it, and <versions> the four versions it was read under,
// in ENTITIES order, empty for entities it did not read.
//
// The local copy: each gateway also keeps the entries it stored or found in
// Redis, within RESPONSE_CACHE_MAX_BYTES (BoundedLru, the memory store's
// bounds). Redis stays the authority: a lookup with a local entry sends one
// small MGET of the four version counters and serves the local body only if
// the versions it read still match (else it drops it: a miss), so a bump by
// any gateway takes effect at once; without a local entry it is one MGET of
// the entry and the versions, as ever. The local copy expires at the
// <expiresAt> in the header, so every gateway stops serving an entry at the
// same time. Nothing is served without Redis's answer: Redis unreachable means
// a miss, local copy or not.
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
import { BoundedLru } from './lru.ts';
import { ENTITIES, sizeOf, ttlOf, type CachedEntity, type Lookup, type ResponseCache, type TtlOptions, type Versions } from './response-cache.ts';

/** How long a lookup may add to a request when Redis hangs. */
export const COMMAND_TIMEOUT_MS = 250;

export interface RedisCacheOptions extends TtlOptions {
  url: string;
  /** The database served (eventScope): part of every key. */
  scope: string;
  /** Bound on the local copy's entries (see sizeOf); an entry over 1/16 of it is not stored, here or in Redis. */
  maxBytes: number;
  /** Bound on the local copy's entry count. */
  maxEntries: number;
  log: Logger;
  now?: () => number;
}

/** An entry as this gateway holds it locally. */
interface LocalEntry {
  readonly body: string;
  /** Absolute, from the Redis value's header: the same in every gateway. */
  readonly expiresAt: number;
  /** Its versions in ENTITIES order as Redis returns them; '' for an entity it did not read. */
  readonly versions: readonly string[];
  readonly bytes: number;
}

export class RedisResponseCache implements ResponseCache {
  readonly kind = 'redis';
  readonly #redis: Redis;
  readonly #options: RedisCacheOptions;
  readonly #prefix: string;
  readonly #versionKeys: readonly string[];
  readonly #ready: Promise<void>;
  readonly #now: () => number;
  /** Entries this gateway holds, keyed by the plain cache key; served only after Redis confirms the versions. */
  readonly #local: BoundedLru<LocalEntry>;
  /** Entities whose invalidation could not be sent: bumped once Redis answers again. */
  readonly #lost = new Set<CachedEntity>();
  #down = false;
  #seeding: Promise<boolean> | null = null;
  hits = 0;
  misses = 0;

  constructor(options: RedisCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#local = new BoundedLru(options.maxEntries, options.maxBytes);
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

  /** Entries in the local copy, and their size (see sizeOf). */
  get localSize(): number {
    return this.#local.size;
  }

  get localBytes(): number {
    return this.#local.bytes;
  }

  get(key: string): Lookup | Promise<Lookup> {
    // Without Redis's versions nothing can be shown current: a miss, local copy or not.
    if (this.#redis.status !== 'ready') {
      this.misses++;
      return null;
    }
    const local = this.#local.peek(key);
    if (local) {
      if (local.expiresAt > this.#now()) {
        this.#local.touch(key, local);
        return this.#confirm(key, local);
      }
      this.#local.delete(key);
    }
    return this.#fetch(key);
  }

  set(key: string, body: string, entities: readonly CachedEntity[], onlyCounts: boolean, snapshot: Versions): Promise<void> | void {
    const ttl = ttlOf(this.#options, entities, onlyCounts);
    const bytes = sizeOf(key, body);
    if (!(ttl > 0 && ttl < Infinity) || !this.#local.admits(bytes)) return;
    const versions: string[] = [];
    for (let i = 0; i < ENTITIES.length; i++) {
      const version = entities.includes(ENTITIES[i]!) ? snapshot[i] : '';
      // Unknown (unseeded) version: nothing could tell this entry stale later.
      if (version == null) return;
      versions.push(String(version));
    }
    const expiresAt = this.#now() + ttl;
    // Kept even if Redis does not take it: it is only ever served against Redis's versions.
    this.#local.set(key, { body, expiresAt, versions, bytes });
    if (this.#redis.status !== 'ready') return;
    return this.#redis.set(this.#entryKey(key), `${expiresAt},${versions.join(',')}\n${body}`, 'PX', ttl).then(
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
    this.#local.clear();
    const redis = this.#redis;
    // quit() waits for a reply that never comes while disconnected.
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }

  /** A lookup Redis did not answer: a miss not to be stored (never served from the local copy). */
  readonly #lookupFailed = (error: unknown): null => {
    this.#failed(error, 'get');
    this.misses++;
    return null;
  };

  /** A local entry: one round trip for the versions only, never the body. */
  #confirm(key: string, local: LocalEntry): Promise<Lookup> {
    return this.#redis.mget(...this.#versionKeys).then(
      (versions) => {
        this.#ok();
        if (versions.includes(null)) void this.#seed();
        if (readUnder(local.versions, versions) && local.expiresAt > this.#now()) {
          this.hits++;
          return local.body;
        }
        // Stale or expired: dropped (unless a newer one was stored meanwhile); the read stores a fresh one.
        this.#local.delete(key, local);
        this.misses++;
        return versions;
      },
      this.#lookupFailed,
    );
  }

  /** No local entry: one round trip for the entry and the current versions together. */
  #fetch(key: string): Promise<Lookup> {
    return this.#redis.mget(this.#entryKey(key), ...this.#versionKeys).then(
      ([value, ...versions]) => {
        this.#ok();
        if (versions.includes(null)) void this.#seed();
        const entry = value == null ? null : parseEntry(key, value);
        if (entry && entry.expiresAt > this.#now() && readUnder(entry.versions, versions)) {
          this.#local.set(key, entry);
          this.hits++;
          return entry.body;
        }
        this.misses++;
        return versions;
      },
      this.#lookupFailed,
    );
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

/** A Redis value ("<expiresAt>,<versions>\n<body>") as a local entry; null when it is not in that form. */
function parseEntry(key: string, value: string): LocalEntry | null {
  const newline = value.indexOf('\n');
  if (newline < 0) return null;
  const header = value.slice(0, newline).split(',');
  // An entry in another form (one written before expiries were stored) is a miss, and gets replaced.
  if (header.length !== ENTITIES.length + 1) return null;
  const expiresAt = Number(header[0]);
  if (!Number.isFinite(expiresAt)) return null;
  const body = value.slice(newline + 1);
  return { body, expiresAt, versions: header.slice(1), bytes: sizeOf(key, body) };
}

/** Whether an entry's versions match the current versions for every entity it read. */
function readUnder(stored: readonly string[], versions: readonly (string | null)[]): boolean {
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
