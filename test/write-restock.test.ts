// restockProducts: one outcome per item in input order, bad items never spoil
// good ones, at most config.restockConcurrency items in flight, at most 500 items.
import { describe, expect, it } from 'vitest';
import { sqlConnection } from './support/db.ts';
import { dumpTables } from './support/dump.ts';
import { insertProduct, rows } from './support/fixtures.ts';
import { lockWaits, waitFor } from './support/locks.ts';
import { useTestServer } from './support/server.ts';

const t = useTestServer('write_restock');

const RESTOCK = `mutation($items: [RestockInput!]!) {
  restockProducts(items: $items) { productId product { id stock } error { code message } }
}`;

const restock = (items: { productId: string; quantity: number }[]) => t.server.gql(RESTOCK, { items });
const stockOf = async (id: string) => (await rows(t.conn, 'SELECT stock FROM products WHERE id = ?', [id]))[0].stock;

it('runs with the default restock concurrency of 4', () => {
  expect(t.config.restockConcurrency).toBe(4);
});

describe('restockProducts', () => {
  it('answers valid, unknown, non-positive and malformed items each on its own, in input order, applying the valid ones', async () => {
    const a = await insertProduct(t.conn, 'A', 'A', '1.00', 1);
    const b = await insertProduct(t.conn, 'B', 'B', '1.00', 2);

    const response = await restock([
      { productId: a, quantity: 5 },
      { productId: '999999', quantity: 1 },
      { productId: a, quantity: 0 },
      { productId: b, quantity: -3 },
      { productId: 'x7', quantity: 1 },
      { productId: b, quantity: 2 },
      { productId: a, quantity: 1 },
    ]);

    expect(response.body.errors).toBeUndefined();
    const results = response.body.data.restockProducts;
    expect(results.map((r: any) => [r.productId, r.error?.code ?? null])).toEqual([
      [a, null],
      ['999999', 'NOT_FOUND'],
      [a, 'BAD_USER_INPUT'],
      [b, 'BAD_USER_INPUT'],
      ['x7', 'BAD_USER_INPUT'],
      [b, null],
      [a, null],
    ]);
    for (const r of results) expect((r.product === null) !== (r.error === null)).toBe(true);
    expect(results[2].error.message).toContain('items[2].quantity');
    expect(results[4].error.message).toContain('items[4].productId');
    expect(results[5].product).toEqual({ id: b, stock: 4 });
    expect(await stockOf(a)).toBe(7);
    expect(await stockOf(b)).toBe(4);
  });

  it('an item that would overflow the stock gets its own clear error and the others still apply', async () => {
    const full = await insertProduct(t.conn, 'FULL', 'Full', '1.00', 2_147_483_640);
    const other = await insertProduct(t.conn, 'OTHER', 'Other', '1.00', 0);

    const response = await restock([
      { productId: full, quantity: 100 },
      { productId: other, quantity: 100 },
      { productId: full, quantity: 7 },
    ]);

    expect(response.body.errors).toBeUndefined();
    const [overflow, ok, upToMax] = response.body.data.restockProducts;
    expect(overflow.error.code).toBe('BAD_USER_INPUT');
    expect(overflow.error.message).toContain('2147483647');
    expect(ok.product.stock).toBe(100);
    expect(upToMax.product.stock).toBe(2_147_483_647);
    expect(await stockOf(full)).toBe(2_147_483_647);
  });

  it('runs at most config.restockConcurrency (4) items at once, and more than one', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await insertProduct(t.conn, `P${i}`, `P${i}`, '1.00', 0));
    // Hold every product's lock, so each item that starts blocks where it can be counted.
    const holder = await sqlConnection(t.config);
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT id FROM products FOR UPDATE');
      t.server.app.db.stats.resetMaxInFlight();
      const pending = restock(ids.map((productId) => ({ productId, quantity: 1 })));
      await waitFor(async () => (await lockWaits(t.conn, t.server.app.config.database.name)) >= 4);
      expect(await lockWaits(t.conn, t.server.app.config.database.name)).toBe(4);
      expect(t.server.app.db.stats.inFlight).toBe(4);
      await holder.query('ROLLBACK');
      const response = await pending;
      expect(response.body.data.restockProducts.every((r: any) => r.product?.stock === 1)).toBe(true);
      expect(t.server.app.db.stats.maxInFlight).toBe(4);
    } finally {
      await holder.end();
    }
  });

  it('takes exactly 500 items and refuses 501 with BAD_USER_INPUT, changing nothing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await insertProduct(t.conn, `P${i}`, `P${i}`, '1.00', 0));

    const accepted = await restock(Array.from({ length: 500 }, (_, i) => ({ productId: ids[i % 5]!, quantity: 1 })));
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data.restockProducts).toHaveLength(500);
    for (const id of ids) expect(await stockOf(id)).toBe(100);

    const before = await dumpTables(t.conn);
    const refused = await restock(Array.from({ length: 501 }, (_, i) => ({ productId: ids[i % 5]!, quantity: 1 })));
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.errors![0]!.message).toBe('items must hold at most 500 entries, but got 501');
    expect(await dumpTables(t.conn)).toBe(before);
  });

  it('an empty list answers an empty list', async () => {
    const response = await restock([]);
    expect(response.body).toEqual({ data: { restockProducts: [] } });
  });
});
