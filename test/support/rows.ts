// A few rows for the hardening tests: users with orders, items and products,
// inserted straight into the contract's tables.
import type { Config } from '../../src/config.ts';
import { sqlConnection, truncateAll } from './db.ts';

export async function insertShopRows(config: Config, sizes = { users: 3, products: 3, ordersPerUser: 2 }): Promise<void> {
  const conn = await sqlConnection(config);
  try {
    await truncateAll(conn);
    for (let u = 1; u <= sizes.users; u++) {
      await conn.query('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [u, `User ${u}`, `user${u}@example.com`]);
    }
    for (let p = 1; p <= sizes.products; p++) {
      await conn.query('INSERT INTO products (id, sku, name, price, stock) VALUES (?, ?, ?, ?, ?)', [p, `SKU-${p}`, `Product ${p}`, `${p}.50`, 100]);
    }
    let orderId = 0;
    for (let u = 1; u <= sizes.users; u++) {
      for (let o = 0; o < sizes.ordersPerUser; o++) {
        orderId++;
        await conn.query('INSERT INTO orders (id, user_id, status, total) VALUES (?, ?, ?, ?)', [orderId, u, 'PAID', '3.00']);
        await conn.query('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, ?, ?, ?)', [orderId, 1, 2, '1.50']);
      }
    }
  } finally {
    await conn.end();
  }
}
