// The in-process response cache: entries in least-recently-used order, bounded
// by entry count and by bytes (BoundedLru, lru.ts), with per-entity version
// counters (see response-cache.ts). Invalidation replaces the versions array,
// O(1); the entries it made stale go when they are next looked up or when the
// LRU order reaches them, and count against the byte bound until then.
import { BoundedLru } from './lru.ts';
import { ENTITIES, sizeOf, ttlOf, type CachedEntity, type Lookup, type ResponseCache, type TtlOptions, type Versions } from './response-cache.ts';

export interface MemoryCacheOptions extends TtlOptions {
  maxEntries: number;
  /** Bound on the sum of entry sizes; an entry over 1/16 of it is not stored. */
  maxBytes: number;
  now?: () => number;
}

interface Entry {
  readonly body: string;
  readonly expiresAt: number;
  /** The snapshot it was read under (shared, never copied). */
  readonly versions: Versions;
  /** Bit i set: it read ENTITIES[i]. */
  readonly reads: number;
  readonly bytes: number;
}

export class MemoryResponseCache implements ResponseCache {
  readonly kind = 'memory';
  readonly #entries: BoundedLru<Entry>;
  readonly #options: MemoryCacheOptions;
  readonly #now: () => number;
  // Replaced, never mutated, so a snapshot is just this reference.
  #versions: readonly number[] = Object.freeze([0, 0, 0, 0]);
  hits = 0;
  misses = 0;

  constructor(options: MemoryCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#entries = new BoundedLru(options.maxEntries, options.maxBytes);
  }

  get(key: string): Lookup {
    const entry = this.#entries.peek(key);
    if (entry && entry.expiresAt > this.#now() && this.#current(entry.versions, entry.reads)) {
      this.#entries.touch(key, entry);
      this.hits++;
      return entry.body;
    }
    if (entry) this.#entries.delete(key);
    this.misses++;
    return this.#versions;
  }

  set(key: string, body: string, entities: readonly CachedEntity[], onlyCounts: boolean, snapshot: Versions): void {
    const ttl = ttlOf(this.#options, entities, onlyCounts);
    if (!(ttl > 0)) return;
    const bytes = sizeOf(key, body);
    if (!this.#entries.admits(bytes)) return;
    const reads = readMask(entities);
    // Already stale (a mutation committed while it ran): it could never be served.
    if (!this.#current(snapshot, reads)) return;
    this.#entries.set(key, { body, expiresAt: this.#now() + ttl, versions: snapshot, reads, bytes });
  }

  invalidate(entities: readonly string[]): void {
    this.#versions = Object.freeze(this.#versions.map((v, i) => (entities.includes(ENTITIES[i]!) ? v + 1 : v)));
  }

  clear(): void {
    this.#entries.clear();
  }

  async close(): Promise<void> {
    this.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Sum of the stored entries' sizes (see sizeOf). */
  get bytes(): number {
    return this.#entries.bytes;
  }

  #current(versions: Versions, reads: number): boolean {
    const now = this.#versions;
    if (versions === now) return true;
    for (let i = 0; i < ENTITIES.length; i++) {
      if (reads & (1 << i) && versions[i] !== now[i]) return false;
    }
    return true;
  }
}

function readMask(entities: readonly CachedEntity[]): number {
  let mask = 0;
  for (const entity of entities) mask |= 1 << ENTITIES.indexOf(entity);
  return mask;
}
