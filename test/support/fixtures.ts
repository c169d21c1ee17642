// Arranging rows straight into the contract's tables, the way harnesses do.
import type mysql from 'mysql2/promise';

export async function insertUser(conn: mysql.Connection, name: string, email: string, createdAt?: string): Promise<string> {
  const [result] = await conn.query<mysql.ResultSetHeader>(
    createdAt ? 'INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)' : 'INSERT INTO users (name, email) VALUES (?, ?)',
    createdAt ? [name, email, createdAt] : [name, email],
  );
  return String(result.insertId);
}

export async function insertProduct(conn: mysql.Connection, sku: string, name: string, price: string, stock: number): Promise<string> {
  const [result] = await conn.query<mysql.ResultSetHeader>('INSERT INTO products (sku, name, price, stock) VALUES (?, ?, ?, ?)', [sku, name, price, stock]);
  return String(result.insertId);
}

/** An order with its items; total is computed by the database from the items, exactly. */
export async function insertOrder(
  conn: mysql.Connection,
  userId: string,
  items: { productId: string; quantity: number; unitPrice: string }[],
  status = 'PENDING',
  createdAt?: string,
): Promise<string> {
  const [result] = await conn.query<mysql.ResultSetHeader>(
    `INSERT INTO orders (user_id, status, total${createdAt ? ', created_at' : ''}) VALUES (?, ?, 0${createdAt ? ', ?' : ''})`,
    createdAt ? [userId, status, createdAt] : [userId, status],
  );
  const orderId = String(result.insertId);
  if (items.length) {
    await conn.query('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ?', [
      items.map((i) => [orderId, i.productId, i.quantity, i.unitPrice]),
    ]);
    await conn.query('UPDATE orders SET total = (SELECT SUM(quantity * unit_price) FROM order_items WHERE order_id = ?) WHERE id = ?', [orderId, orderId]);
  }
  return orderId;
}

export async function rows<T = any>(conn: mysql.Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await conn.query(sql, params);
  return result as T[];
}
