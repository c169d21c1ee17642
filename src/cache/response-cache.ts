// An opt-in (RESPONSE_CACHE=true) cache of whole query responses, in front of
// the compiled executor. Entries are tagged with the entities they read and
// live at most the shortest TTL of those entities; a mutation through this
// gateway drops every entry of the entities it changed at once (and, with
// REDIS_URL, in every gateway process). Rows written around the gateway show
// up at the latest when the TTL runs out, as the contract allows.
// Scope: this API has no per-viewer data, so one cache serves every client.
// If viewers are ever introduced, the viewer must become part of the key.

export type CachedEntity = 'user' | 'order' | 'product' | 'item';

export interface ResponseCacheOptions {
  /** TTL per entity in ms; an entry lives as long as its shortest. */
  ttlMs: Record<CachedEntity, number>;
  /** TTL of responses reading only counts of products (productCount). */
  countTtlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry {
  body: string;
  expiresAt: number;
  entities: readonly CachedEntity[];
}

export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: ResponseCacheOptions;
  readonly #now: () => number;
  hits = 0;
  misses = 0;

  constructor(options: ResponseCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  static key(query: string, operationName: unknown, variables: unknown): string {
    return `${typeof operationName === 'string' ? operationName : ''}\u0000${query}\u0000${JSON.stringify(variables ?? {})}`;
  }

  get(key: string): string | null {
    const entry = this.#entries.get(key);
    if (!entry) {
      this.misses++;
      return null;
    }
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      this.misses++;
      return null;
    }
    // Refresh recency for the LRU order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.hits++;
    return entry.body;
  }

  set(key: string, body: string, entities: readonly CachedEntity[], onlyCounts: boolean): void {
    const ttl = onlyCounts ? this.#options.countTtlMs : Math.min(...entities.map((e) => this.#options.ttlMs[e]));
    if (!(ttl > 0)) return;
    if (this.#entries.size >= this.#options.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { body, expiresAt: this.#now() + ttl, entities });
  }

  /** Drops every entry that read any of `entities`. */
  invalidate(entities: readonly CachedEntity[]): void {
    for (const [key, entry] of this.#entries) {
      if (entry.entities.some((e) => entities.includes(e))) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** What each mutation changes, for invalidation. */
export const MUTATION_EFFECTS: Record<string, readonly CachedEntity[]> = {
  createUser: ['user'],
  createProduct: ['product'],
  placeOrder: ['order', 'item', 'product', 'user'],
  cancelOrder: ['order', 'product', 'user'],
  restockProducts: ['product'],
};
