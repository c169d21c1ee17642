// The baseline's placeOrder: one transaction, the products locked in id order, the order, its lines
// and the stock written in one statement each.
import { fromCents, toCents } from './common.ts';
import { byId, counters, GraphQLError, isId, marks, POINT, pool, sql, type Json } from './baseline-db.ts';
import type { PlaceOrderInput } from './inputs.ts';
import type mysql from 'mysql2/promise';

function orderLines(vars: Json): { userId: string; lines: Map<string, number> } {
  const input = vars.input as Partial<PlaceOrderInput> | undefined;
  if (!input || !isId(input.userId) || !Array.isArray(input.items)) throw new GraphQLError('Invalid input.', 'BAD_USER_INPUT');
  if (input.items.length === 0 || input.items.length > 100) throw new GraphQLError('1 to 100 items.', 'BAD_USER_INPUT');
  const lines = new Map<string, number>();
  for (const { productId, quantity } of input.items) {
    if (!isId(productId) || !Number.isInteger(quantity) || quantity <= 0) throw new GraphQLError('Invalid item.', 'BAD_USER_INPUT');
    lines.set(productId, (lines.get(productId) ?? 0) + quantity);
  }
  return { userId: input.userId, lines: new Map([...lines].sort(([a], [b]) => byId(a, b))) };
}

export async function placeOrder(vars: Json): Promise<Json> {
  const { userId, lines } = orderLines(vars);
  const ids = [...lines.keys()];
  const conn = await pool.getConnection();
  try {
    counters.statements++;
    await conn.query('START TRANSACTION');
    const products = await sql(POINT, conn, `SELECT id, price, stock FROM products WHERE id IN (${marks(ids.length)}) ORDER BY id FOR UPDATE`, ids);
    if (products.length !== ids.length) throw new GraphQLError('Product not found.', 'NOT_FOUND');
    let total = 0;
    const items = products.map((p) => {
      const quantity = lines.get(String(p.id)) ?? 0;
      if (Number(p.stock) < quantity) throw new GraphQLError(`Insufficient stock for product ${p.id}.`, 'INSUFFICIENT_STOCK');
      const unit = toCents(p.price);
      total += unit * quantity;
      return { quantity, unitPrice: fromCents(unit), subtotal: fromCents(unit * quantity), product: { id: String(p.id) } };
    });
    let orderId: string;
    try {
      const res = await sql<mysql.ResultSetHeader>(POINT, conn, "INSERT INTO orders (user_id, status, total) VALUES (?, 'PENDING', ?)", [userId, fromCents(total)]);
      orderId = String(res.insertId);
    } catch (err) {
      if ((err as { errno?: number }).errno === 1452) throw new GraphQLError('User not found.', 'NOT_FOUND');
      throw err;
    }
    await sql(POINT, conn, `INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ${ids.map(() => '(?,?,?,?)').join(',')}`,
      items.flatMap((i) => [orderId, i.product.id, i.quantity, i.unitPrice]));
    await sql(POINT, conn, `UPDATE products SET stock = stock - CASE id ${ids.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (${marks(ids.length)})`,
      [...items.flatMap((i) => [i.product.id, i.quantity]), ...ids]);
    counters.statements++;
    await conn.query('COMMIT');
    return { placeOrder: { id: orderId, status: 'PENDING', total: fromCents(total), items } };
  } catch (err) {
    counters.statements++;
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}
