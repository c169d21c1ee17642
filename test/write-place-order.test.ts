// placeOrder never oversells, never deadlocks its own kind, refuses without a
// trace, and computes money exactly; its response shows the state it wrote.
import { beforeEach, describe, expect, it } from 'vitest';
import { sqlConnection } from './support/db.ts';
import { dumpTables } from './support/dump.ts';
import { insertProduct, insertUser, rows } from './support/fixtures.ts';
import { lockWaits, waitFor } from './support/locks.ts';
import { useTestServer } from './support/server.ts';

// Waiting for a pool connection is not under test here: 40 requests queue for 10 connections.
const t = useTestServer('write_place_order', { limits: { poolWaitMs: 20_000 } });

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id status total createdAt
    items { quantity unitPrice subtotal product { id stock } }
    user { id orderCount totalSpent }
  }
}`;

const count = async (table: string) => Number((await rows(t.conn, `SELECT COUNT(*) AS n FROM ${table}`))[0].n);

const place = (userId: string, items: { productId: string; quantity: number }[]) => t.server.gql(PLACE, { input: { userId, items } });

describe('concurrency', () => {
  it('40 concurrent orders for the last 5 units: exactly 5 succeed, the rest are INSUFFICIENT_STOCK, stock ends at 0', async () => {
    const user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    const scarce = await insertProduct(t.conn, 'SCARCE', 'Scarce', '9.99', 5);
    const other = await insertProduct(t.conn, 'OTHER', 'Other', '1.00', 7);

    const responses = await Promise.all(Array.from({ length: 40 }, () => place(user, [{ productId: scarce, quantity: 1 }])));

    const ok = responses.filter((r) => r.body.data?.placeOrder);
    const refused = responses.filter((r) => r.body.errors);
    expect(ok).toHaveLength(5);
    expect(refused).toHaveLength(35);
    for (const r of refused) expect(r.body.errors!.map((e) => e.extensions?.code)).toEqual(['INSUFFICIENT_STOCK']);
    const [product] = await rows(t.conn, 'SELECT stock FROM products WHERE id = ?', [scarce]);
    expect(product.stock).toBe(0);
    expect(await count('orders')).toBe(5);
    expect(await rows(t.conn, 'SELECT quantity FROM order_items')).toEqual(Array(5).fill({ quantity: 1 }));
    const [untouched] = await rows(t.conn, 'SELECT stock FROM products WHERE id = ?', [other]);
    expect(untouched.stock).toBe(7);
  });

  it('20 concurrent orders over the same two products in opposite line order all complete without a deadlock', async () => {
    const user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    const a = await insertProduct(t.conn, 'A', 'A', '2.50', 100);
    const b = await insertProduct(t.conn, 'B', 'B', '4.00', 100);

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        place(
          user,
          i % 2 === 0
            ? [
                { productId: a, quantity: 1 },
                { productId: b, quantity: 2 },
              ]
            : [
                { productId: b, quantity: 2 },
                { productId: a, quantity: 1 },
              ],
        ),
      ),
    );

    for (const r of responses) expect(r.body.errors).toBeUndefined();
    const stock = await rows(t.conn, 'SELECT id, stock FROM products ORDER BY id');
    expect(stock).toEqual([
      { id: a, stock: 80 },
      { id: b, stock: 60 },
    ]);
    expect(await count('orders')).toBe(20);
  });

  it('an order that loses a real deadlock is retried and succeeds', async () => {
    const user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    const a = await insertProduct(t.conn, 'A', 'A', '1.00', 10);
    const b = await insertProduct(t.conn, 'B', 'B', '1.00', 10);
    const failures: string[] = [];
    const off = t.server.app.db.stats.onStatement((event) => {
      if (event.errorCode) failures.push(event.errorCode);
    });
    // A rival transaction, heavier (it has written rows) so InnoDB picks the order as the victim:
    // it holds B, the order locks A then waits for B, the rival then asks for A.
    const rival = await sqlConnection(t.config);
    try {
      await rival.query('START TRANSACTION');
      await rival.query("INSERT INTO users (name, email) VALUES ('r1', 'r1@x.io'), ('r2', 'r2@x.io'), ('r3', 'r3@x.io')");
      await rival.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [b]);
      const pending = place(user, [
        { productId: a, quantity: 1 },
        { productId: b, quantity: 1 },
      ]);
      await waitFor(async () => (await lockWaits(t.conn, t.server.app.config.database.name)) === 1);
      // InnoDB normally picks the lighter order as the victim; under heavy load
      // it has been seen to pick the rival instead. Either way a deadlock
      // happened and none reaches the client.
      let rivalError: string | null = null;
      await rival.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [a]).catch((e: { code?: string }) => (rivalError = e.code ?? 'ERROR'));
      await rival.query('ROLLBACK');
      const response = await pending;
      expect(response.body.errors).toBeUndefined();
      expect(failures.includes('ER_LOCK_DEADLOCK') || rivalError === 'ER_LOCK_DEADLOCK').toBe(true);
      expect(await rows(t.conn, 'SELECT stock FROM products ORDER BY id')).toEqual([{ stock: 9 }, { stock: 9 }]);
      expect(await count('orders')).toBe(1);
    } finally {
      off();
      await rival.end();
    }
  });
});

describe('refusals change nothing', () => {
  let user: string;
  let product: string;

  beforeEach(async () => {
    user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    product = await insertProduct(t.conn, 'P1', 'One', '3.00', 2);
    const other = await insertProduct(t.conn, 'P2', 'Two', '5.00', 9);
    const ok = await place(user, [{ productId: other, quantity: 1 }]);
    expect(ok.body.errors).toBeUndefined();
  });

  const cases: [string, () => { userId: string; items: { productId: string; quantity: number }[] }, string][] = [
    ['more than in stock', () => ({ userId: user, items: [{ productId: product, quantity: 3 }] }), 'INSUFFICIENT_STOCK'],
    ['more than in stock once repeated lines are merged', () => ({ userId: user, items: [{ productId: product, quantity: 1 }, { productId: product, quantity: 2 }] }), 'INSUFFICIENT_STOCK'],
    ['an unknown product next to a known one', () => ({ userId: user, items: [{ productId: product, quantity: 1 }, { productId: '999', quantity: 1 }] }), 'NOT_FOUND'],
    ['an unknown user', () => ({ userId: '999', items: [{ productId: product, quantity: 1 }] }), 'NOT_FOUND'],
    ['no items', () => ({ userId: user, items: [] }), 'BAD_USER_INPUT'],
    ['a quantity of 0', () => ({ userId: user, items: [{ productId: product, quantity: 0 }] }), 'BAD_USER_INPUT'],
    ['a negative quantity', () => ({ userId: user, items: [{ productId: product, quantity: -1 }] }), 'BAD_USER_INPUT'],
    ['a malformed product id', () => ({ userId: user, items: [{ productId: 'abc', quantity: 1 }] }), 'BAD_USER_INPUT'],
    ['a malformed user id', () => ({ userId: '-1', items: [{ productId: product, quantity: 1 }] }), 'BAD_USER_INPUT'],
    ['101 lines', () => ({ userId: user, items: Array.from({ length: 101 }, () => ({ productId: product, quantity: 1 })) }), 'BAD_USER_INPUT'],
  ];

  for (const [what, input, code] of cases) {
    it(`an order with ${what} is ${code} and leaves every table unchanged`, async () => {
      const before = await dumpTables(t.conn);
      const response = await t.server.gql(PLACE, { input: input() });
      expect(response.body.data).toBeNull();
      expect(response.body.errors!.map((e) => e.extensions?.code)).toEqual([code]);
      expect(response.body.errors![0]!.path).toEqual(['placeOrder']);
      expect(await dumpTables(t.conn)).toBe(before);
    });
  }

  it('a BAD_USER_INPUT names the field at fault', async () => {
    const response = await place(user, [
      { productId: product, quantity: 1 },
      { productId: product, quantity: 0 },
    ]);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.items[1].quantity' });
    expect(response.body.errors![0]!.message).toContain('input.items[1].quantity');
  });

  it('INSUFFICIENT_STOCK says which product, how many were asked and how many are left', async () => {
    const response = await place(user, [{ productId: product, quantity: 5 }]);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'INSUFFICIENT_STOCK', productId: product, requested: 5, available: 2 });
  });
});

describe('money and the written state', () => {
  it('0.10 x 3 is exactly 0.30, and the total equals the SQL sum of quantity x unit_price', async () => {
    const user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    const dime = await insertProduct(t.conn, 'DIME', 'Dime', '0.10', 10);
    const odd = await insertProduct(t.conn, 'ODD', 'Odd', '0.07', 10);
    const big = await insertProduct(t.conn, 'BIG', 'Big', '19999999.99', 10);

    const response = await place(user, [
      { productId: dime, quantity: 3 },
      { productId: odd, quantity: 3 },
      { productId: big, quantity: 7 },
    ]);

    expect(response.body.errors).toBeUndefined();
    const order = response.body.data.placeOrder;
    expect(order.items.map((i: any) => [i.unitPrice, i.subtotal])).toEqual([
      ['0.10', '0.30'],
      ['0.07', '0.21'],
      ['19999999.99', '139999999.93'],
    ]);
    expect(order.total).toBe('140000000.44');
    const [sqlSum] = await rows(t.conn, 'SELECT SUM(quantity * unit_price) AS s FROM order_items WHERE order_id = ?', [order.id]);
    const [stored] = await rows(t.conn, 'SELECT total, status, user_id FROM orders WHERE id = ?', [order.id]);
    expect(stored).toEqual({ total: order.total, status: 'PENDING', user_id: user });
    expect(sqlSum.s).toBe(order.total);
  });

  it('prices come from products, not from the client, and are kept on the line as unit_price', async () => {
    const user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    const product = await insertProduct(t.conn, 'P', 'P', '12.34', 10);
    const first = await place(user, [{ productId: product, quantity: 1 }]);
    await t.conn.query("UPDATE products SET price = '20.00' WHERE id = ?", [product]);
    const second = await place(user, [{ productId: product, quantity: 1 }]);
    expect(first.body.data.placeOrder.total).toBe('12.34');
    expect(second.body.data.placeOrder.total).toBe('20.00');
    expect(await rows(t.conn, 'SELECT unit_price FROM order_items ORDER BY order_id')).toEqual([{ unit_price: '12.34' }, { unit_price: '20.00' }]);
  });

  it('lines repeating a product are merged into one line with the summed quantity', async () => {
    const user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    const a = await insertProduct(t.conn, 'A', 'A', '1.50', 10);
    const b = await insertProduct(t.conn, 'B', 'B', '2.00', 10);
    const response = await place(user, [
      { productId: b, quantity: 1 },
      { productId: a, quantity: 2 },
      { productId: b, quantity: 3 },
    ]);
    expect(response.body.errors).toBeUndefined();
    const order = response.body.data.placeOrder;
    expect(order.items.map((i: any) => [i.product.id, i.quantity])).toEqual([
      [a, 2],
      [b, 4],
    ]);
    expect(order.total).toBe('11.00');
    expect(await rows(t.conn, 'SELECT product_id, quantity FROM order_items ORDER BY product_id')).toEqual([
      { product_id: a, quantity: 2 },
      { product_id: b, quantity: 4 },
    ]);
  });

  it("the response shows the decremented stock and the user's fresh orderCount and totalSpent", async () => {
    const user = await insertUser(t.conn, 'Ann', 'ann@example.com');
    const product = await insertProduct(t.conn, 'P', 'P', '2.25', 10);
    const twice = await t.server.gql(
      `mutation Two($input: PlaceOrderInput!) {
        a: placeOrder(input: $input) { items { product { stock } } user { orderCount totalSpent } }
        b: placeOrder(input: $input) { status items { product { stock } } user { orderCount totalSpent } }
      }`,
      { input: { userId: user, items: [{ productId: product, quantity: 4 }] } },
    );
    expect(twice.body.errors).toBeUndefined();
    expect(twice.body.data.a).toEqual({ items: [{ product: { stock: 6 } }], user: { orderCount: 1, totalSpent: '9.00' } });
    expect(twice.body.data.b).toEqual({ status: 'PENDING', items: [{ product: { stock: 2 } }], user: { orderCount: 2, totalSpent: '18.00' } });
    expect(await rows(t.conn, 'SELECT stock FROM products')).toEqual([{ stock: 2 }]);
  });
});

describe('round trips', () => {
  it('placeOrder takes 6 statements (begin, lock, order, items, stock, commit) and its response comes from the write', async () => {
    const user = await insertUser(t.conn, 'Rita', 'rita@example.com');
    const a = await insertProduct(t.conn, 'RT-A', 'A', '2.50', 5);
    const b = await insertProduct(t.conn, 'RT-B', 'B', '0.10', 5);
    const { result, statements } = await t.server.countStatements(() =>
      t.server.gql(
        `mutation { placeOrder(input: { userId: "${user}", items: [{ productId: "${b}", quantity: 3 }, { productId: "${a}", quantity: 1 }] }) { id status total createdAt user { id } items { quantity unitPrice subtotal product { id stock } } } }`,
      ),
    );
    expect(result.body.errors).toBeUndefined();
    const order = result.body.data.placeOrder;
    const [row] = await rows(t.conn, 'SELECT id, status, total, created_at FROM orders WHERE id = ?', [order.id]);
    expect(order).toMatchObject({ status: 'PENDING', total: '2.80', createdAt: row.created_at.replace(' ', 'T') + 'Z', user: { id: user } });
    expect(order.items).toEqual([
      { quantity: 1, unitPrice: '2.50', subtotal: '2.50', product: { id: a, stock: 4 } },
      { quantity: 3, unitPrice: '0.10', subtotal: '0.30', product: { id: b, stock: 2 } },
    ]);
    // user { id } is one more lookup through the loader.
    expect(statements).toBe(7);
  });
});
