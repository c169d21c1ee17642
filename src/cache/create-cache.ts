// Builds the response cache a config asks for.
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { MemoryResponseCache } from './memory-store.ts';
import type { ResponseCache, TtlOptions } from './response-cache.ts';

/** Beside the byte bound, so tiny entries cannot pile up without limit. */
const MAX_ENTRIES = 10_000;

export function createResponseCache(config: Config, _log: Logger): ResponseCache {
  const ttl = config.responseCacheTtlMs;
  const ttls: TtlOptions = {
    ttlMs: { user: ttl, order: ttl, product: ttl, item: ttl },
    countTtlMs: config.responseCacheCountTtlMs,
  };
  return new MemoryResponseCache({ ...ttls, maxEntries: MAX_ENTRIES, maxBytes: config.responseCacheMaxBytes });
}
