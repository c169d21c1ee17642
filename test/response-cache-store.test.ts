// The response cache's stores: a read that raced a mutation is never served,
// and the in-process store stays within RESPONSE_CACHE_MAX_BYTES.
import { describe, expect, it } from 'vitest';
import { MemoryResponseCache } from '../src/cache/memory-store.ts';
import type { Lookup, ResponseCache, Versions } from '../src/cache/response-cache.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertProduct, insertUser } from './support/fixtures.ts';
import { startTestServer } from './support/server.ts';

const LONG = 60_000;
const TTLS = { ttlMs: { user: LONG, order: LONG, product: LONG, item: LONG }, countTtlMs: LONG };
const isSnapshot = (lookup: Lookup): lookup is Versions => Array.isArray(lookup);

/** The store-level race, the same for both stores. */
async function raceIsNeverServed(cache: ResponseCache) {
  // A read misses and takes its snapshot; a mutation commits and invalidates
  // while the read's SQL runs; the read then stores what it read.
  const before = await cache.get('q');
  expect(isSnapshot(before)).toBe(true);
  await cache.invalidate(['product']);
  await cache.set('q', 'before the write', ['product'], false, before as Versions);
  expect(await cache.get('q')).not.toBe('before the write');

  // A read that began after the invalidation is stored and served.
  const after = await cache.get('q');
  await cache.set('q', 'after the write', ['product', 'user'], false, after as Versions);
  expect(await cache.get('q')).toBe('after the write');

  // Only the entities it read make it stale.
  await cache.invalidate(['order', 'item']);
  expect(await cache.get('q')).toBe('after the write');
  await cache.invalidate(['user']);
  expect(isSnapshot(await cache.get('q'))).toBe(true);
}

describe('a read that raced a mutation is never served', () => {
  it('in the memory store', async () => {
    await raceIsNeverServed(new MemoryResponseCache({ ...TTLS, maxEntries: 100, maxBytes: 1 << 20 }));
  });

  it('through the gateway: a mutation, then the next read sees it', async () => {
    const config = await createTestDatabase('response_cache_store_race', { responseCache: true, responseCacheTtlMs: LONG, responseCacheCountTtlMs: LONG });
    const conn = await sqlConnection(config);
    const server = await startTestServer(config);
    try {
      const pen = await insertProduct(conn, 'PEN', 'Pen', '1.00', 5);
      const ann = await insertUser(conn, 'Ann', 'ann@race.test');
      const q = `{ product(id: "${pen}") { stock } user(id: "${ann}") { orderCount totalSpent } }`;
      expect((await server.gql(q)).body.data).toEqual({ product: { stock: 5 }, user: { orderCount: 0, totalSpent: '0.00' } });
      expect((await server.countStatements(() => server.gql(q))).statements).toBe(0);
      const placed = await server.gql(`mutation { placeOrder(input: { userId: "${ann}", items: [{ productId: "${pen}", quantity: 2 }] }) { id } }`);
      expect(placed.body.errors).toBeUndefined();
      expect((await server.gql(q)).body.data).toEqual({ product: { stock: 3 }, user: { orderCount: 1, totalSpent: '2.00' } });
    } finally {
      await server.close();
      await conn.end();
    }
  });
});

describe('the memory store stays within RESPONSE_CACHE_MAX_BYTES', () => {
  const maxBytes = 16_000;
  // 'k00' + 480 characters: (3 + 480) * 2 = 966 bytes, under the 1,000-byte (1/16) entry cap.
  const body = (i: number) => `${i}`.padEnd(480, 'x');
  const store = (cache: MemoryResponseCache, key: string, text: string) => cache.set(key, text, ['user'], false, cache.get(key) as Versions);

  it('evicts the least recently used entries, never exceeding the bound', () => {
    const cache = new MemoryResponseCache({ ...TTLS, maxEntries: 1000, maxBytes });
    for (let i = 0; i < 16; i++) {
      store(cache, `k${String(i).padStart(2, '0')}`, body(i));
      expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(cache.size).toBe(16);
    expect(cache.bytes).toBe(16 * 966);
    expect(cache.get('k00')).toBe(body(0)); // now the most recently used
    store(cache, 'k16', body(16));
    expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    expect(isSnapshot(cache.get('k01'))).toBe(true); // the least recently used went
    expect(cache.get('k00')).toBe(body(0));
    expect(cache.get('k16')).toBe(body(16));
    for (let i = 17; i < 60; i++) {
      store(cache, `k${i}`, body(i));
      expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(cache.size).toBe(16);
    expect(cache.get('k59')).toBe(body(59));
  });

  it('never stores a body over 1/16 of the bound', () => {
    const cache = new MemoryResponseCache({ ...TTLS, maxEntries: 1000, maxBytes });
    store(cache, 'big', 'x'.repeat(600)); // (3 + 600) * 2 > 1,000
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    expect(isSnapshot(cache.get('big'))).toBe(true);
  });

  it('keeps an entry-count bound too', () => {
    const cache = new MemoryResponseCache({ ...TTLS, maxEntries: 4, maxBytes });
    for (let i = 0; i < 6; i++) store(cache, `k${i}`, 'x');
    expect(cache.size).toBe(4);
    expect(isSnapshot(cache.get('k0'))).toBe(true);
    expect(cache.get('k5')).toBe('x');
  });

  it('through the gateway: a large response is answered but not cached, a small one is', async () => {
    const config = await createTestDatabase('response_cache_store_bytes', {
      responseCache: true,
      responseCacheTtlMs: LONG,
      responseCacheCountTtlMs: LONG,
      responseCacheMaxBytes: 16_384,
    });
    const conn = await sqlConnection(config);
    for (let i = 0; i < 20; i++) await insertProduct(conn, `SKU-${i}`, `Product number ${i}`, '1.00', 1);
    await conn.end();
    const server = await startTestServer(config);
    try {
      const big = '{ products { nodes { id sku name price stock } } }';
      const small = '{ productCount }';
      for (const q of [big, small]) await server.gql(q);
      const again = await server.countStatements(() => server.gql(big));
      expect(again.result.body.data.products.nodes).toHaveLength(20);
      expect(again.statements).toBe(1);
      expect((await server.countStatements(() => server.gql(small))).statements).toBe(0);
      expect((server.app.cache as MemoryResponseCache).bytes).toBeLessThanOrEqual(16_384);
    } finally {
      await server.close();
    }
  });
});
