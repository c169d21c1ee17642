// Builds the response cache a config asks for: in process, or in Redis
// (RESPONSE_CACHE_STORE, which defaults to redis when REDIS_URL is set).
import { ConfigError, type Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { eventScope, type AppPubSub } from '../pubsub.ts';
import { MemoryResponseCache } from './memory-store.ts';
import { RedisResponseCache } from './redis-store.ts';
import type { CachedEntity, ResponseCache, TtlOptions } from './response-cache.ts';

/** Beside the byte bound (of the memory store, or the Redis store's local copy), so tiny entries cannot pile up without limit. */
const MAX_ENTRIES = 10_000;

export function createResponseCache(config: Config, log: Logger): ResponseCache {
  const ttl = config.responseCacheTtlMs;
  const ttls: TtlOptions = {
    ttlMs: { user: ttl, order: ttl, product: ttl, item: ttl },
    countTtlMs: config.responseCacheCountTtlMs,
  };
  if (config.responseCacheStore === 'memory') {
    return new MemoryResponseCache({ ...ttls, maxEntries: MAX_ENTRIES, maxBytes: config.responseCacheMaxBytes });
  }
  if (!config.redisUrl) throw new ConfigError('RESPONSE_CACHE_STORE', 'is redis, but REDIS_URL is not set');
  return new RedisResponseCache({
    ...ttls,
    url: config.redisUrl,
    scope: eventScope(config),
    // The local copy's bounds are the memory store's; so is the per-entry cap (1/16),
    // which also keeps a lookup's transfer well within the command timeout.
    maxEntries: MAX_ENTRIES,
    maxBytes: config.responseCacheMaxBytes,
    log,
  });
}

export interface CacheWiring {
  readonly cache: ResponseCache;
  /**
   * After a write commits: makes what it changed stale. With the Redis store
   * the mutation's answer waits for Redis (at most its command timeout), so
   * the client's next read, through any gateway, sees the write.
   */
  invalidate(entities: CachedEntity[]): void | Promise<void>;
  close(): Promise<void>;
}

/**
 * The response cache with its invalidation feed: the Redis store's versions
 * are shared by every gateway; the memory store hears other gateways' writes
 * through the pub/sub (Redis with REDIS_URL).
 */
export function wireResponseCache(config: Config, log: Logger, pubsub: AppPubSub): CacheWiring {
  const cache = createResponseCache(config, log);
  const feed = cache.kind === 'memory';
  const stopFeed = feed ? pubsub.onCacheInvalidation((entities) => void cache.invalidate(entities)) : () => {};
  return {
    cache,
    invalidate(entities) {
      const done = cache.invalidate(entities);
      if (feed) pubsub.publishCacheInvalidation(entities);
      return done;
    },
    async close() {
      stopFeed();
      await cache.close();
    },
  };
}
