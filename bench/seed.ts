// Deterministic bench data set: 10k users, 2k products, 50k orders with 1-5 items each.
//   tsx bench/seed.ts               drop the bench database, migrate it, insert
//   tsx bench/seed.ts --no-migrate  tables already exist: truncate them all, insert
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { DATASET, benchDatabaseUrl, fromCents, prng, randInt } from './common.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATE_SCRIPT = 'src/cli/migrate.ts';
const CHUNK = 2_000;
const SEED = 20_261_124;
const STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const STATUS_WEIGHTS = [0.2, 0.5, 0.9, 1]; // cumulative: 20% / 30% / 40% / 10%
const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Frances', 'Edsger'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Liskov', 'Thompson', 'Hamilton', 'Ritchie', 'Allen', 'Dijkstra'];
const ADJ = ['Red', 'Blue', 'Large', 'Small', 'Smart', 'Classic', 'Eco', 'Pro', 'Mini', 'Ultra'];
const NOUN = ['Lamp', 'Chair', 'Mug', 'Desk', 'Kettle', 'Backpack', 'Headset', 'Clock', 'Notebook', 'Pen'];
const BASE_TIME = Date.UTC(2025, 0, 1);

type Row = (string | number)[];
export interface SeedOptions {
  /** Drop the database and run the project's migrations first (default true). */
  migrate?: boolean;
  log?: (line: string) => void;
}
export interface SeedCounts {
  users: number;
  products: number;
  orders: number;
  orderItems: number;
}

function datetime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Builds every row in memory (about 210k rows); deterministic for a given SEED. */
export function generate(): { users: Row[]; products: Row[]; orders: Row[]; items: Row[] } {
  const rand = prng(SEED);
  const users: Row[] = [];
  for (let id = 1; id <= DATASET.users; id++) {
    const name = `${FIRST[randInt(rand, 0, 9)]} ${LAST[randInt(rand, 0, 9)]} ${id}`;
    users.push([id, name, `user${id}@bench.example`, datetime(BASE_TIME + id * 60_000 + randInt(rand, 0, 999))]);
  }
  const priceCents: number[] = [0];
  const products: Row[] = [];
  for (let id = 1; id <= DATASET.products; id++) {
    const cents = randInt(rand, 99, 99_999);
    priceCents.push(cents);
    const name = `${ADJ[randInt(rand, 0, 9)]} ${NOUN[randInt(rand, 0, 9)]} ${id}`;
    products.push([id, `SKU-${String(id).padStart(6, '0')}`, name, fromCents(cents), 1_000_000, datetime(BASE_TIME + id * 1_000)]);
  }
  const orders: Row[] = [];
  const items: Row[] = [];
  for (let id = 1; id <= DATASET.orders; id++) {
    const userId = randInt(rand, 1, DATASET.users);
    const r = rand();
    const status = STATUSES[STATUS_WEIGHTS.findIndex((w) => r < w)] ?? 'PAID';
    const lines = new Set<number>();
    const count = randInt(rand, 1, 5);
    while (lines.size < count) lines.add(randInt(rand, 1, DATASET.products));
    let total = 0;
    for (const productId of lines) {
      const quantity = randInt(rand, 1, 5);
      const unit = priceCents[productId] ?? 0;
      total += quantity * unit;
      items.push([id, productId, quantity, fromCents(unit)]);
    }
    orders.push([id, userId, status, fromCents(total), datetime(BASE_TIME + 30 * 86_400_000 + id * 30_000)]);
  }
  return { users, products, orders, items };
}

function runMigrations(databaseUrl: string): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn('npx', ['tsx', MIGRATE_SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${MIGRATE_SCRIPT} exited with code ${code}`))));
  });
}

function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z0-9_$]+$/.test(name)) throw new Error(`bench database URL must name a database: ${databaseUrl}`);
  return name;
}

async function insertChunks(conn: mysql.Connection, sql: string, rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await conn.query(sql, [rows.slice(i, i + CHUNK)]);
}

export async function seedBench(databaseUrl: string, options: SeedOptions = {}): Promise<SeedCounts> {
  const log = options.log ?? ((line: string) => console.log(line));
  const migrate = options.migrate ?? true;
  const db = databaseName(databaseUrl);
  const started = Date.now();
  if (migrate) {
    if (!db.toLowerCase().includes('bench')) throw new Error(`refusing to drop "${db}": the bench database name must contain "bench"`);
    if (!existsSync(resolve(ROOT, MIGRATE_SCRIPT))) {
      throw new Error(`${MIGRATE_SCRIPT} not found: cannot create the bench tables (use --no-migrate if they already exist)`);
    }
    const server = new URL(databaseUrl);
    server.pathname = '/';
    const admin = await mysql.createConnection(server.toString());
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.end();
    log(`seed: dropped ${db}, running migrations`);
    await runMigrations(databaseUrl);
  }
  const data = generate();
  const conn = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z', multipleStatements: false });
  try {
    await conn.query("SET time_zone = '+00:00', foreign_key_checks = 0, unique_checks = 0");
    const [tables] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [db],
    );
    const names = tables.map((r) => String(r.t));
    const missing = ['users', 'products', 'orders', 'order_items'].filter((t) => !names.includes(t));
    if (missing.length > 0) throw new Error(`bench database ${db} lacks tables: ${missing.join(', ')}`);
    if (!migrate) {
      // Empty every table (derived ones too), keeping only the migrations' own bookkeeping.
      for (const t of names.filter((n) => !/migrat/i.test(n))) await conn.query(`TRUNCATE TABLE \`${t}\``);
    }
    await insertChunks(conn, 'INSERT INTO users (id, name, email, created_at) VALUES ?', data.users);
    await insertChunks(conn, 'INSERT INTO products (id, sku, name, price, stock, created_at) VALUES ?', data.products);
    await insertChunks(conn, 'INSERT INTO orders (id, user_id, status, total, created_at) VALUES ?', data.orders);
    await insertChunks(conn, 'INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ?', data.items);
    await conn.query('ANALYZE TABLE users, products, orders, order_items');
  } finally {
    await conn.end();
  }
  const counts = { users: data.users.length, products: data.products.length, orders: data.orders.length, orderItems: data.items.length };
  log(`seed: ${JSON.stringify(counts)} into ${db} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return counts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  seedBench(benchDatabaseUrl(), { migrate: !process.argv.includes('--no-migrate') }).catch((err: unknown) => {
    console.error(`seed failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
