// cancelOrder gives the stock back in the same transaction, once; SHIPPED and
// CANCELLED orders cannot be cancelled, unknown ones are NOT_FOUND.
import { beforeEach, describe, expect, it } from 'vitest';
import { dumpTables } from './support/dump.ts';
import { insertOrder, insertProduct, insertUser, rows } from './support/fixtures.ts';
import { useTestServer } from './support/server.ts';

const t = useTestServer('write_cancel_order', { limits: { poolWaitMs: 20_000 } });
let user: string;
let a: string;
let b: string;

const CANCEL = `mutation Cancel($id: ID!) {
  cancelOrder(id: $id) { id status total items { quantity product { id stock } } user { orderCount totalSpent } }
}`;

beforeEach(async () => {
  user = await insertUser(t.conn, 'Ann', 'ann@example.com');
  a = await insertProduct(t.conn, 'A', 'A', '1.10', 10);
  b = await insertProduct(t.conn, 'B', 'B', '2.20', 10);
});

async function placeThroughApi(): Promise<string> {
  const response = await t.server.gql(`mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, {
    input: {
      userId: user,
      items: [
        { productId: b, quantity: 3 },
        { productId: a, quantity: 2 },
      ],
    },
  });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.placeOrder.id;
}

const stock = async () => (await rows(t.conn, 'SELECT stock FROM products ORDER BY id')).map((r) => r.stock);

describe('cancelOrder', () => {
  it('restores the stock of every line and marks the order CANCELLED; the response shows both', async () => {
    const id = await placeThroughApi();
    expect(await stock()).toEqual([8, 7]);

    const response = await t.server.gql(CANCEL, { id });

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.cancelOrder).toEqual({
      id,
      status: 'CANCELLED',
      total: '8.80',
      items: [
        { quantity: 2, product: { id: a, stock: 10 } },
        { quantity: 3, product: { id: b, stock: 10 } },
      ],
      user: { orderCount: 1, totalSpent: '0.00' },
    });
    expect(await stock()).toEqual([10, 10]);
    expect(await rows(t.conn, 'SELECT status FROM orders WHERE id = ?', [id])).toEqual([{ status: 'CANCELLED' }]);
  });

  it('a second cancel of the same order is CONFLICT and gives nothing back twice', async () => {
    const id = await placeThroughApi();
    await t.server.gql(CANCEL, { id });
    const before = await dumpTables(t.conn);

    const again = await t.server.gql(CANCEL, { id });

    expect(again.body.data).toBeNull();
    expect(again.body.errors!.map((e) => e.extensions?.code)).toEqual(['CONFLICT']);
    expect(again.body.errors![0]!.message).toContain('CANCELLED');
    expect(await dumpTables(t.conn)).toBe(before);
  });

  it('concurrent cancels of one order: exactly one succeeds, the stock comes back once', async () => {
    const id = await placeThroughApi();
    const responses = await Promise.all(Array.from({ length: 8 }, () => t.server.gql(CANCEL, { id })));
    const codes = responses.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'OK']);
    expect(await stock()).toEqual([10, 10]);
  });

  it('a SHIPPED order is CONFLICT and stays as it was', async () => {
    const id = await insertOrder(t.conn, user, [{ productId: a, quantity: 1, unitPrice: '1.10' }], 'SHIPPED');
    const before = await dumpTables(t.conn);

    const response = await t.server.gql(CANCEL, { id });

    expect(response.body.errors!.map((e) => e.extensions?.code)).toEqual(['CONFLICT']);
    expect(response.body.errors![0]!.message).toContain('SHIPPED');
    expect(await dumpTables(t.conn)).toBe(before);
  });

  it('a PAID order inserted straight into the tables can be cancelled and its stock comes back', async () => {
    const id = await insertOrder(t.conn, user, [{ productId: b, quantity: 4, unitPrice: '2.20' }], 'PAID');
    const response = await t.server.gql(CANCEL, { id });
    expect(response.body.data.cancelOrder.status).toBe('CANCELLED');
    expect(await stock()).toEqual([10, 14]);
  });

  it('an unknown id is NOT_FOUND and a malformed one BAD_USER_INPUT, changing nothing', async () => {
    const before = await dumpTables(t.conn);
    const unknown = await t.server.gql(CANCEL, { id: '424242' });
    const malformed = await t.server.gql(CANCEL, { id: 'x1' });
    expect(unknown.body.errors!.map((e) => [e.extensions?.code, e.path])).toEqual([['NOT_FOUND', ['cancelOrder']]]);
    expect(malformed.body.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(await dumpTables(t.conn)).toBe(before);
  });
});
