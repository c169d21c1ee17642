// Demo data for the quick start: a few hundred users, products and orders,
// the same every time (seeded PRNG), with totals exact to the cent.
import { sql } from 'kysely';
import type { OrderStatus } from './database.ts';
import type { Runner, SqlSession } from './direct.ts';
import { all, first, qb, run } from './query-builder.ts';
import { fromCents } from '../money.ts';

export const DEMO_SIZES = { users: 300, products: 120, orders: 900 } as const;

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Donald', 'Hedy', 'Tim', 'Katherine'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman', 'Knuth', 'Lamarr', 'Berners-Lee', 'Johnson'];
const ADJ = ['Red', 'Quiet', 'Swift', 'Tiny', 'Bold', 'Bright', 'Classic', 'Solid', 'Smart', 'Handy'];
const NOUN = ['Mug', 'Lamp', 'Pen', 'Notebook', 'Backpack', 'Cable', 'Keyboard', 'Chair', 'Bottle', 'Headphones', 'Stand', 'Clock'];
const STATUSES: OrderStatus[] = ['PENDING', 'PAID', 'PAID', 'SHIPPED', 'SHIPPED', 'CANCELLED'];

/** mulberry32: small, fast, deterministic PRNG returning floats in [0, 1). */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function isEmpty(db: SqlSession): Promise<boolean> {
  for (const table of ['users', 'products', 'orders', 'order_items'] as const) {
    const row = await first(db, qb.selectFrom(table).select(sql<number>`1`.as('one')).limit(1));
    if (row) return false;
  }
  return true;
}

export async function clearAll(db: Runner): Promise<void> {
  await db.transaction(async (trx) => {
    for (const table of ['order_items', 'orders', 'products', 'users'] as const) await run(trx, qb.deleteFrom(table));
  });
}

export async function seedDemo(db: Runner, sizes = DEMO_SIZES): Promise<{ users: number; products: number; orders: number; items: number }> {
  const random = prng(20261125);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const start = Date.UTC(2026, 0, 1);
  const at = (i: number, n: number) => new Date(start + Math.floor((i / n) * 300 * 86_400_000)).toISOString().replace('T', ' ').replace('Z', '');

  return db.transaction(async (trx) => {
    const users = Array.from({ length: sizes.users }, (_, i) => {
      const first = pick(FIRST);
      const last = pick(LAST);
      return { name: `${first} ${last}`, email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(), created_at: at(i, sizes.users) };
    });
    await run(trx, qb.insertInto('users').values(users));
    const userIds = (await all(trx, qb.selectFrom('users').select('id').orderBy('id'))).map((r) => r.id);

    const products = Array.from({ length: sizes.products }, (_, i) => ({
      sku: `SKU-${String(i + 1).padStart(5, '0')}`,
      name: `${pick(ADJ)} ${pick(NOUN)}`,
      price: fromCents(BigInt(99 + Math.floor(random() * 20000))),
      stock: random() < 0.1 ? 0 : 20 + Math.floor(random() * 500),
      created_at: at(i, sizes.products),
    }));
    await run(trx, qb.insertInto('products').values(products));
    const productRows = await all(trx, qb.selectFrom('products').select(['id', 'price']).orderBy('id'));

    let items = 0;
    for (let i = 0; i < sizes.orders; i++) {
      const lines = new Map<string, { quantity: number; price: string }>();
      const count = 1 + Math.floor(random() * 4);
      while (lines.size < count) {
        const product = pick(productRows);
        lines.set(product.id, { quantity: 1 + Math.floor(random() * 3), price: product.price });
      }
      let cents = 0n;
      for (const { quantity, price } of lines.values()) cents += BigInt(price.replace('.', '')) * BigInt(quantity);
      const result = await run(
        trx,
        qb.insertInto('orders').values({ user_id: pick(userIds), status: pick(STATUSES), total: fromCents(cents), created_at: at(i, sizes.orders) }),
      );
      const orderId = String(result.insertId);
      await run(
        trx,
        qb
          .insertInto('order_items')
          .values([...lines].map(([productId, l]) => ({ order_id: orderId, product_id: productId, quantity: l.quantity, unit_price: l.price }))),
      );
      items += lines.size;
    }
    return { users: sizes.users, products: sizes.products, orders: sizes.orders, items };
  });
}
