// Hand-written baseline: node:http + mysql2, no GraphQL library. It answers only the three
// benchmark operations (recognised by operationName) with the JSON the gateway must return.
//   PORT=4100 DATABASE_URL=mysql://root@127.0.0.1:3306/shop_bench tsx bench/baseline.ts
// Env: DB_POOL_SIZE (default 10), BASELINE_SQL=auto|execute|query: prepared statements (execute) or
// text protocol (query); auto (default) uses what measured fastest per operation: execute for the
// point lookups of UserById and PlaceOrder, query for Dashboard's large IN lists.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import mysql from 'mysql2/promise';
import { benchDatabaseUrl, fromCents, toCents, toIsoUtc } from './common.ts';
import { DASHBOARD, PLACE_ORDER, USER_BY_ID, type PlaceOrderInput } from './operations.ts';

type Rows = mysql.RowDataPacket[];
type Param = string | number;
type Json = Record<string, unknown>;

const poolSize = Number(process.env.DB_POOL_SIZE ?? 10);
if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error('DB_POOL_SIZE must be a positive integer');
type Mode = 'execute' | 'query';
const modeEnv = process.env.BASELINE_SQL ?? 'auto';
if (!['auto', 'execute', 'query'].includes(modeEnv)) throw new Error('BASELINE_SQL must be "auto", "execute" or "query"');
const modeFor = (preferred: Mode): Mode => (modeEnv === 'auto' ? preferred : (modeEnv as Mode));
const POINT = modeFor('execute');
const BULK = modeFor('query');

const pool = mysql.createPool({
  uri: process.env.DATABASE_URL ?? benchDatabaseUrl(),
  connectionLimit: poolSize,
  timezone: 'Z',
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
});
pool.pool.on('connection', (conn) => conn.query("SET time_zone = '+00:00'"));

let statements = 0;
let requests = 0;

async function sql<T extends Rows | mysql.ResultSetHeader = Rows>(
  mode: Mode,
  db: mysql.Pool | mysql.PoolConnection,
  text: string,
  params: Param[] = [],
): Promise<T> {
  statements++;
  const [result] = mode === 'execute' ? await db.execute(text, params) : await db.query(text, params);
  return result as T;
}

class GraphQLError extends Error {
  /** `data` is what a spec server returns alongside the error (null for a non-null root field). */
  constructor(message: string, readonly code: string, readonly data: Json | null = null) {
    super(message);
  }
}

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(',');
const isId = (v: unknown): v is string => typeof v === 'string' && /^[1-9][0-9]{0,19}$/.test(v);
const byId = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

async function userById(vars: Json): Promise<Json> {
  const id = vars.id;
  if (!isId(id)) throw new GraphQLError('Invalid ID.', 'BAD_USER_INPUT');
  const rows = await sql(
    POINT,
    pool,
    // One pass over the user's orders for both aggregates (as the gateway's compiled SQL does since round 7).
    `SELECT u.id, u.name, u.email, u.created_at, o.order_count, o.total_spent
     FROM users u
     JOIN (SELECT COUNT(*) AS order_count, COALESCE(SUM(IF(status <> 'CANCELLED', total, 0)), 0) AS total_spent FROM orders WHERE user_id = ?) o
     WHERE u.id = ?`,
    [id, id],
  );
  const u = rows[0];
  if (!u) throw new GraphQLError('User not found.', 'NOT_FOUND', { user: null });
  return {
    user: {
      id: u.id,
      name: u.name,
      email: u.email,
      createdAt: toIsoUtc(u.created_at),
      orderCount: Number(u.order_count),
      totalSpent: fromCents(toCents(String(u.total_spent))),
    },
  };
}

async function dashboard(): Promise<Json> {
  const [counted, users] = await Promise.all([
    sql(BULK, pool, 'SELECT COUNT(*) AS n FROM products'),
    sql(BULK, pool, 'SELECT id, name FROM users ORDER BY id LIMIT 50'),
  ]);
  const userIds = users.map((u) => String(u.id));
  const orders = userIds.length === 0 ? [] : await sql(
    BULK, pool,
    `SELECT id, user_id, total, status FROM (
       SELECT id, user_id, total, status, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id) AS rn
       FROM orders WHERE user_id IN (${marks(userIds.length)})) t
     WHERE rn <= 5 ORDER BY user_id, id`,
    userIds,
  );
  const orderIds = orders.map((o) => String(o.id));
  const items = orderIds.length === 0 ? [] : await sql(
    BULK, pool,
    `SELECT order_id, product_id, quantity, unit_price FROM order_items
     WHERE order_id IN (${marks(orderIds.length)}) ORDER BY order_id, product_id`,
    orderIds,
  );
  const productIds = [...new Set(items.map((i) => String(i.product_id)))];
  const products = productIds.length === 0 ? [] : await sql(
    BULK, pool,
    `SELECT id, name, price FROM products WHERE id IN (${marks(productIds.length)})`,
    productIds,
  );
  const productById = new Map(products.map((p) => [String(p.id), { id: p.id, name: p.name, price: p.price }]));
  const itemsByOrder = new Map<string, Json[]>();
  for (const i of items) {
    const list = itemsByOrder.get(String(i.order_id)) ?? [];
    list.push({ quantity: i.quantity, unitPrice: i.unit_price, product: productById.get(String(i.product_id)) });
    itemsByOrder.set(String(i.order_id), list);
  }
  const ordersByUser = new Map<string, Json[]>();
  for (const o of orders) {
    const list = ordersByUser.get(String(o.user_id)) ?? [];
    list.push({ id: o.id, total: o.total, status: o.status, items: itemsByOrder.get(String(o.id)) ?? [] });
    ordersByUser.set(String(o.user_id), list);
  }
  const nodes = users.map((u) => ({ id: u.id, name: u.name, orders: { nodes: ordersByUser.get(String(u.id)) ?? [] } }));
  return { users: { nodes }, productCount: Number(counted[0]?.n) };
}

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

async function placeOrder(vars: Json): Promise<Json> {
  const { userId, lines } = orderLines(vars);
  const ids = [...lines.keys()];
  const conn = await pool.getConnection();
  try {
    statements++;
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
    statements++;
    await conn.query('COMMIT');
    return { placeOrder: { id: orderId, status: 'PENDING', total: fromCents(total), items } };
  } catch (err) {
    statements++;
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

const OPERATIONS: Record<string, { text: string; field: string; run: (vars: Json) => Promise<Json> }> = {
  UserById: { text: USER_BY_ID, field: 'user', run: userById },
  Dashboard: { text: DASHBOARD, field: 'users', run: dashboard },
  PlaceOrder: { text: PLACE_ORDER, field: 'placeOrder', run: placeOrder },
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_000_000) throw new GraphQLError('Body too large.', 'BAD_REQUEST');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/stats') return send(res, 200, { statements, requests });
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { error: 'not found' });
  let body: { query?: unknown; variables?: Json | null; operationName?: unknown };
  try {
    body = JSON.parse(await readBody(req)) as typeof body;
  } catch {
    return send(res, 400, { errors: [{ message: 'Invalid JSON body.' }] });
  }
  const op = OPERATIONS[String(body.operationName)];
  if (!op || body.query !== op.text) return send(res, 400, { errors: [{ message: 'Unknown operation (baseline serves only the bench operations).' }] });
  requests++;
  try {
    return send(res, 200, { data: await op.run(body.variables ?? {}) });
  } catch (err) {
    if (err instanceof GraphQLError) {
      return send(res, 200, { errors: [{ message: err.message, path: [op.field], extensions: { code: err.code } }], data: err.data });
    }
    console.error(err);
    return send(res, 200, { errors: [{ message: 'Unexpected error.', path: [op.field] }], data: null });
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    console.error(err);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Unexpected error.' }] });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 4100), process.env.HOST ?? '127.0.0.1', () => {
  const addr = server.address();
  console.log(`baseline listening on ${typeof addr === 'object' && addr ? addr.port : addr} (sql=${modeEnv}, pool=${poolSize})`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    void pool.end().finally(() => process.exit(0));
  });
}
