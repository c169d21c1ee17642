// An opt-in (RESPONSE_CACHE=true) cache of whole query responses, in front of
// the compiled executor. Two stores share this interface: one in process
// (memory-store.ts) and one in Redis shared by every gateway of a database
// (redis-store.ts).
//
// Invalidation is by version: each entity (user, order, product, item) has a
// counter that a mutation bumps after it commits. A miss hands the caller the
// versions as they were BEFORE its SQL ran; the entry is stored with the
// versions of the entities it read, and served only while they are all still
// current. So a read that began before a mutation committed and finished after
// its invalidation can never be served: its versions are already old. Entries
// also expire after the shortest TTL of what they read; rows written around the
// gateway show up at the latest then, as the contract allows.
// Scope: answers that read public data only (products) are shared by every
// viewer; any other answer is keyed by its viewer's scope (cacheKey).

export type CachedEntity = 'user' | 'order' | 'product' | 'item';

/** The order versions are kept and compared in. */
export const ENTITIES: readonly CachedEntity[] = ['user', 'order', 'product', 'item'];

/**
 * The four versions in ENTITIES order, as a store last saw them. Opaque to
 * callers: a miss returns one, and set() must be handed that same one back.
 * A null version means unknown (never seeded), and nothing reading it is stored.
 */
export type Versions = readonly (number | string | null)[];

/** A body (a hit), the versions before the caller's SQL runs (a miss), or null: a miss not to be stored. */
export type Lookup = string | Versions | null;

export interface ResponseCache {
  readonly kind: 'memory' | 'redis';
  /** The memory store answers synchronously, so a hit costs no promise. */
  get(key: string): Lookup | Promise<Lookup>;
  /** Stores `body` as read under `snapshot` (what get() returned on the miss); never throws. */
  set(key: string, body: string, entities: readonly CachedEntity[], onlyCounts: boolean, snapshot: Versions): void | Promise<void>;
  /** Makes every entry that read any of `entities` stale; never throws. */
  invalidate(entities: readonly string[]): void | Promise<void>;
  close(): Promise<void>;
  hits: number;
  misses: number;
}

export interface TtlOptions {
  /** TTL per entity in ms; an entry lives as long as its shortest. */
  ttlMs: Record<CachedEntity, number>;
  /** TTL of responses reading only counts of products (productCount). */
  countTtlMs: number;
}

export function ttlOf(options: TtlOptions, entities: readonly CachedEntity[], onlyCounts: boolean): number {
  return onlyCounts || entities.length === 0 ? options.countTtlMs : Math.min(...entities.map((e) => options.ttlMs[e]));
}

/**
 * What an entry costs: its key and body at 2 bytes per UTF-16 code unit. The
 * key counts too (variables can make it large); length*2 is O(1) and never
 * below what V8 holds, where Buffer.byteLength would scan every body.
 */
export function sizeOf(key: string, body: string): number {
  return (key.length + body.length) * 2;
}

/**
 * The entry of one request. `scope` says who may share it: 'public' for
 * answers every viewer gets alike (products), else the viewer's scope
 * (viewerScope: one customer's rows are never served to another).
 */
export function cacheKey(scope: string, query: string, operationName: unknown, variables: unknown): string {
  return `${scope}\u0000${typeof operationName === 'string' ? operationName : ''}\u0000${query}\u0000${JSON.stringify(variables ?? {})}`;
}

/** What each mutation changes, for invalidation. */
export const MUTATION_EFFECTS: Record<string, readonly CachedEntity[]> = {
  createUser: ['user'],
  createProduct: ['product'],
  placeOrder: ['order', 'item', 'product', 'user'],
  cancelOrder: ['order', 'product', 'user'],
  restockProducts: ['product'],
};
