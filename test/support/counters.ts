// Checks that the counter tables (src/db/counters.ts: totals plus the deltas
// not folded yet) hold exactly what COUNT(*) over the counted tables says,
// row by row for the per-user counters.
import type mysql from 'mysql2/promise';

const STATUS = { pending: 'PENDING', paid: 'PAID', shipped: 'SHIPPED', cancelled: 'CANCELLED' } as const;
const SUMS = Object.entries(STATUS).map(([c, s]) => `SUM(status = '${s}') AS ${c}`).join(', ');
const COLS = Object.keys(STATUS);
/** Per user, the counted orders by status: the folded row plus the user's deltas. */
const PER_USER = `(SELECT user_id, ${COLS.map((c) => `SUM(${c}) AS ${c}`).join(', ')} FROM
  (SELECT user_id, ${COLS.join(', ')} FROM user_order_counts UNION ALL SELECT user_id, ${COLS.join(', ')} FROM order_count_deltas) u GROUP BY user_id)`;

async function one(conn: mysql.Connection | mysql.Pool, text: string): Promise<Record<string, unknown>[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(text);
  return rows;
}

/** Every way the counters differ from the rows; empty when they are exact. */
export async function counterMismatches(conn: mysql.Connection | mysql.Pool): Promise<string[]> {
  const problems: string[] = [];
  const pairs = await one(
    conn,
    `SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COALESCE(SUM(n), 0) FROM user_counts) + (SELECT COALESCE(SUM(n), 0) FROM user_count_deltas) AS user_counts,
            (SELECT COUNT(*) FROM products) AS products, (SELECT COALESCE(SUM(n), 0) FROM product_counts) + (SELECT COALESCE(SUM(n), 0) FROM product_count_deltas) AS product_counts`,
  );
  const p = pairs[0]!;
  if (Number(p.users) !== Number(p.user_counts)) problems.push(`users ${p.users}, user_counts ${p.user_counts}`);
  if (Number(p.products) !== Number(p.product_counts)) problems.push(`products ${p.products}, product_counts ${p.product_counts}`);
  const [byStatus] = await one(conn, `SELECT ${SUMS} FROM orders`);
  const [counted] = await one(
    conn,
    `SELECT ${Object.keys(STATUS).map((c) => `COALESCE((SELECT SUM(${c}) FROM order_counts), 0) + COALESCE((SELECT SUM(${c}) FROM order_count_deltas), 0) AS ${c}`).join(', ')}`,
  );
  for (const c of Object.keys(STATUS)) {
    if (Number(byStatus?.[c] ?? 0) !== Number(counted?.[c] ?? 0)) problems.push(`orders ${c}: ${byStatus?.[c] ?? 0} rows, order_counts ${counted?.[c] ?? 0}`);
  }
  const cols = Object.keys(STATUS);
  const users = await one(
    conn,
    `SELECT o.user_id, ${cols.map((c) => `o.${c} AS o_${c}, COALESCE(k.${c}, 0) AS k_${c}`).join(', ')}
       FROM (SELECT user_id, ${SUMS} FROM orders GROUP BY user_id) o LEFT JOIN ${PER_USER} k ON k.user_id = o.user_id
      WHERE ${cols.map((c) => `o.${c} <> COALESCE(k.${c}, 0)`).join(' OR ')}
     UNION ALL
     SELECT k.user_id, ${cols.map((c) => `0 AS o_${c}, k.${c} AS k_${c}`).join(', ')}
       FROM ${PER_USER} k WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = k.user_id) AND (${cols.map((c) => `k.${c} <> 0`).join(' OR ')})`,
  );
  for (const u of users) problems.push(`user ${u.user_id}: rows ${cols.map((c) => u[`o_${c}`]).join('/')}, counted ${cols.map((c) => u[`k_${c}`]).join('/')}`);
  return problems;
}
