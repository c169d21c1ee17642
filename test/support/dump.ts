// Full dumps of the contract's tables, to prove a refused write changed nothing.
import type mysql from 'mysql2/promise';

const TABLES = [
  ['users', 'id'],
  ['products', 'id'],
  ['orders', 'id'],
  ['order_items', 'order_id, product_id'],
] as const;

/** Every row of every table, in key order, as one string: equal dumps mean equal tables. */
export async function dumpTables(conn: mysql.Connection): Promise<string> {
  const dump: Record<string, unknown> = {};
  for (const [table, key] of TABLES) {
    const [rows] = await conn.query(`SELECT * FROM ${table} ORDER BY ${key}`);
    dump[table] = rows;
  }
  return JSON.stringify(dump);
}
