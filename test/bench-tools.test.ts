// The bench's own arithmetic: the data set at a scale, request bodies, cursors, rows-read deltas
// and the targets its tables mark. Pure functions; the servers' answers are held equal in
// test/bench-equivalence.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodies } from '../bench/bodies.ts';
import { benchDatabaseUrl, dataset, decodeCursor, encodeCursor } from '../bench/common.ts';
import { diff } from '../bench/equivalence.ts';
import { renderGrowthTargets } from '../bench/growth-report.ts';
import type { GrowthResults } from '../bench/growth.ts';
import { randomSearchInput } from '../bench/inputs.ts';
import { MIXED, type GraphQLBody } from '../bench/operations.ts';
import { renderTargets, summarize, type RoundResult } from '../bench/report.ts';
import { rowsDelta } from '../bench/rows.ts';
import { BenchData } from '../bench/seed-data.ts';
import { encodeCursor as gatewayCursor } from '../src/connections.ts';
import { prng } from '../src/db/seed.ts';

const ctx = { scale: 1, userCursors: ['VXNlcjo0Mg'] };

describe('the bench data set', () => {
  it('is at scale 1 row for row the data set of the earlier rounds (same PRNG stream)', () => {
    // Fingerprints of bench/seed.ts's generate() before the generator was made to stream.
    const expected = { users: [10_000, 'f7e710caa783661f'], products: [2_000, '2daa85b61978e17f'], orders: [50_000, '23ec9acf1761fa7d'], items: [150_462, '19cc9c4b1783f755'] };
    const data = new BenchData(dataset(1));
    const hash = { users: createHash('sha256'), products: createHash('sha256'), orders: createHash('sha256'), items: createHash('sha256') };
    const count = { users: 0, products: 0, orders: 0, items: 0 };
    for (const r of data.users()) (hash.users.update(`${r.join('|')}\n`), count.users++);
    for (const r of data.products()) (hash.products.update(`${r.join('|')}\n`), count.products++);
    for (const { order, items } of data.orders()) {
      hash.orders.update(`${order.join('|')}\n`);
      count.orders++;
      for (const i of items) (hash.items.update(`${i.join('|')}\n`), count.items++);
    }
    for (const k of ['users', 'products', 'orders', 'items'] as const) expect([count[k], hash[k].digest('hex').slice(0, 16)]).toEqual(expected[k]);
  });

  it('grows N times at scale N, each order with 1-5 distinct products of the larger catalogue', () => {
    const set = dataset(3);
    expect(set).toEqual({ scale: 3, users: 30_000, products: 6_000, orders: 150_000 });
    const data = new BenchData(set);
    for (const _ of data.users());
    for (const _ of data.products());
    let seen = 0;
    let maxProduct = 0;
    const wrong: unknown[] = [];
    for (const { order, items } of data.orders()) {
      const distinct = new Set(items.map((i) => i[1])).size;
      if (items.length < 1 || items.length > 5 || distinct !== items.length || Number(order[1]) > set.users) wrong.push({ order, items });
      for (const i of items) maxProduct = Math.max(maxProduct, Number(i[1]));
      if (++seen === 20_000) break;
    }
    expect(wrong).toEqual([]);
    expect(maxProduct).toBeGreaterThan(2_000 * 2); // products beyond scale 1's and 2's ranges
  });

  it('refuses scales that are not whole numbers from 1 to 1000', () => {
    expect(() => dataset(0)).toThrow('scale must be an integer from 1 to 1000, but got 0');
    expect(() => dataset(2.5)).toThrow('but got 2.5');
  });

  it('keeps each scale in its own database, named after the scale-1 one', () => {
    const before = process.env.BENCH_DATABASE_URL;
    process.env.BENCH_DATABASE_URL = 'mysql://root@127.0.0.1:3306/shop_bench';
    try {
      expect(benchDatabaseUrl(1)).toBe('mysql://root@127.0.0.1:3306/shop_bench');
      expect(benchDatabaseUrl(20)).toBe('mysql://root@127.0.0.1:3306/shop_bench_x20');
    } finally {
      if (before === undefined) delete process.env.BENCH_DATABASE_URL;
      else process.env.BENCH_DATABASE_URL = before;
    }
  });
});

describe('request bodies', () => {
  it('are the same sequence for the same seed, so every server gets the same requests', () => {
    expect(bodies('Mixed', 7, ctx, 50)).toEqual(bodies('Mixed', 7, ctx, 50));
    expect(bodies('Mixed', 7, ctx, 50)).not.toEqual(bodies('Mixed', 8, ctx, 50));
  });

  it('mix 20% placeOrder into 80% reads of every shape', () => {
    const ops = bodies('Mixed', 1, ctx, 4_000).map((b) => (JSON.parse(b) as GraphQLBody).operationName);
    const share = (op: string) => ops.filter((o) => o === op).length / ops.length;
    expect(share('PlaceOrder')).toBeGreaterThan(0.17);
    expect(share('PlaceOrder')).toBeLessThan(0.23);
    for (const [, op] of MIXED) expect(share(op)).toBeGreaterThan(0.03);
  });

  it('give search boxes that match one product (a sku) and many (a word), with and without filters', () => {
    const rand = prng(3);
    const inputs = Array.from({ length: 400 }, () => randomSearchInput(rand, dataset(1)));
    expect(inputs.some((i) => /^SKU-\d{6}$/.test(i.search))).toBe(true);
    expect(inputs.some((i) => /^[A-Za-z]+$/.test(i.search))).toBe(true);
    expect(inputs.some((i) => i.minPrice !== undefined && i.inStock === true)).toBe(true);
    expect(inputs.some((i) => i.minPrice === undefined && i.inStock === undefined)).toBe(true);
  });

  it('refuse DeepPage without walked cursors', () => {
    expect(() => bodies('DeepPage', 1, { scale: 1, userCursors: [] }, 1)).toThrow('DeepPage needs cursors of the users list');
  });
});

describe('cursors', () => {
  it('are written as the gateway writes them, and read back only for their own list', () => {
    expect(encodeCursor('User', '42')).toBe(gatewayCursor('User', '42'));
    expect(encodeCursor('Order', 1_000_000)).toBe(gatewayCursor('Order', '1000000'));
    expect(decodeCursor('User', encodeCursor('User', '42'))).toBe('42');
    expect(decodeCursor('User', encodeCursor('Order', '42'))).toBeNull();
    expect(decodeCursor('User', `${encodeCursor('User', '42')}A`)).toBeNull();
    expect(decodeCursor('User', 'not a cursor!')).toBeNull();
  });
});

describe('the equivalence diff', () => {
  it('finds the first difference, key order and array lengths included', () => {
    expect(diff({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] })).toBeNull();
    expect(diff({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe('data: keys ["a","b"] vs ["b","a"]');
    expect(diff({ u: { n: [1, 2] } }, { u: { n: [1] } })).toBe('data.u.n: 2 items vs 1');
    expect(diff({ c: '12.50' }, { c: '12.5' })).toBe('data.c: "12.50" vs "12.5"');
  });
});

describe('rows read', () => {
  it('is the per-table difference of two readings', () => {
    expect(rowsDelta({ total: 10, byTable: { users: 10 } }, { total: 31, byTable: { users: 11, orders: 20 } }))
      .toEqual({ total: 21, byTable: { users: 1, orders: 20 } });
  });

  it('is unknown when a reading is, or when the counters went back (flushed meanwhile)', () => {
    expect(rowsDelta(null, { total: 1, byTable: {} })).toBeNull();
    expect(rowsDelta({ total: 100, byTable: { users: 100 } }, { total: 3, byTable: { users: 3 } })).toBeNull();
  });
});

function round(over: Partial<RoundResult>): RoundResult {
  return {
    round: 1, requests: 1000, sent: 1000, reqPerSec: 100, p50: 10, p90: 15, p99: 20, non2xx: 0, errors: 0, graphqlErrors: 0,
    durationSec: 10, statements: 1000, rowsRead: 5000, rowsByTable: { users: 5000 }, serverCpuMs: 1, databaseCpuMs: 1, rssMb: 100, ...over,
  };
}

describe('the targets line', () => {
  it('marks req/s below the baseline, more rows read, or p99 over 3x p50 as MISSED', () => {
    const gateway = { rounds: [], summary: summarize([round({ reqPerSec: 90, rowsRead: 7000, p99: 40 })]) };
    const baseline = { rounds: [], summary: summarize([round({})]) };
    const line = renderTargets({ SearchBox: { gateway, baseline } });
    expect(line).toContain('req/s 0.90x (>= 1x) MISSED');
    expect(line).toContain('rows/req 7.0 vs 5.0 (<=) MISSED');
    expect(line).toContain('p99/p50 4.0 (<= 3) MISSED');
  });

  it('passes a gateway at parity', () => {
    const same = { rounds: [], summary: summarize([round({})]) };
    expect(renderTargets({ UserById: { gateway: same, baseline: same } })).not.toContain('MISSED');
  });

  it('holds growth to 1.5x, and reports a scan-bound workload instead', () => {
    const cell = (p50: number) => ({ sequential: { p50 } as never, load: { rounds: [], summary: summarize([]) } });
    const at = (user: number, search: number) => ({
      UserById: { equivalence: {}, servers: { gateway: cell(user) } },
      SearchBox: { equivalence: {}, servers: { gateway: cell(search) } },
    });
    const growth: GrowthResults = { 1: at(2, 5), 20: at(4, 90) };
    const text = renderGrowthTargets(growth);
    expect(text).toContain('UserById       p50 2.00 -> 4.00 ms (2.00x, <= 1.5x) MISSED');
    expect(text).toContain('SearchBox      p50 5.00 -> 90.00 ms (18.00x, <= 1.5x) scan-bound');
  });
});
