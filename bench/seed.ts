// Seeds a bench database with the deterministic data set at a scale (bench/seed-data.ts):
// scale 1 = 10k users, 2k products, 50k orders (~150k items); scale N = N times that.
//   tsx bench/seed.ts [--scale N] [--if-needed] [--no-migrate]
//     (default)     drop the bench database, migrate it, insert
//     --if-needed   keep a database already seeded at this scale (only reset what bench runs wrote)
//     --no-migrate  tables already exist: truncate them all, insert
// Each scale has its own database (bench/common.ts benchDatabaseUrl), named with `bench`.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { loadConfig } from '../src/config.ts';
import { compactCounters } from '../src/db/counters.ts';
import { createDb } from '../src/db/pool.ts';
import { benchDatabaseUrl, databaseName, dataset, serverUrl, type Dataset } from './common.ts';
import { BenchData, GENERATOR_VERSION, SEED_STOCK, tsvLine, tuple, type Row } from './seed-data.ts';
import { ROOT } from './servers.ts';

const MIGRATE_SCRIPT = 'src/cli/migrate.ts';
/** Rows per chunk: ~1-2 MB of text, well inside max_allowed_packet (16 MB by default). */
const CHUNK = 20_000;
/** Where a seeded database records what it holds, so a later run can reuse it. */
const MARKER = 'bench_seed';

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

/**
 * Loads one table in chunks on its own connection: `LOAD DATA LOCAL INFILE` of tab-separated
 * rows where the server allows it (1.5-2x faster than multi-row INSERTs here: 300k items in
 * 5-8 s against 11-12 s, measured back to back), multi-row INSERTs otherwise. At most one chunk
 * is in flight: the next one is generated while the database writes the previous one.
 */
class ChunkWriter {
  #rows: Row[] = [];
  #pending: Promise<void> = Promise.resolve();
  #error: unknown = null;
  rows = 0;
  constructor(readonly conn: mysql.Connection, readonly table: string, readonly columns: string, readonly loadData: boolean) {}

  /** Adds a row; returns a promise to await when a chunk went out (back-pressure), else null. */
  add(row: Row): Promise<unknown> | null {
    this.#rows.push(row);
    this.rows++;
    return this.#rows.length >= CHUNK ? this.#send() : null;
  }

  async #send(): Promise<void> {
    const rows = this.#rows;
    this.#rows = [];
    const statement: mysql.QueryOptions = this.loadData
      ? {
        sql: `LOAD DATA LOCAL INFILE '${this.table}.tsv' INTO TABLE ${this.table} (${this.columns})`,
        infileStreamFactory: () => Readable.from([Buffer.from(rows.map(tsvLine).join(''))]),
      }
      : { sql: `INSERT INTO ${this.table} (${this.columns}) VALUES ${rows.map(tuple).join(',')}` };
    await this.#settled();
    // Caught here and thrown at the next await, so a failed chunk is never an unhandled rejection.
    this.#pending = this.conn.query(statement).then(() => undefined, (err: unknown) => void (this.#error = err));
  }

  async #settled(): Promise<void> {
    await this.#pending;
    if (this.#error) throw this.#error;
  }

  async finish(): Promise<void> {
    if (this.#rows.length > 0) await this.#send();
    await this.#settled();
  }
}

async function sessionFor(databaseUrl: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z' });
  // The rows are generated consistent (ids, keys, references), so the per-row checks only cost time.
  await conn.query("SET time_zone = '+00:00', foreign_key_checks = 0, unique_checks = 0");
  return conn;
}

async function insertAll(databaseUrl: string, set: Dataset, log: (line: string) => void): Promise<SeedCounts> {
  const [a, b] = await Promise.all([sessionFor(databaseUrl), sessionFor(databaseUrl)]);
  try {
    const [infile] = await a.query<mysql.RowDataPacket[]>('SELECT @@global.local_infile AS on_');
    const loadData = Number(infile[0]?.on_) === 1;
    const data = new BenchData(set);
    const started = Date.now();
    const lap = (what: string): void => log(`seed: ${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const users = new ChunkWriter(a, 'users', 'id, name, email, created_at', loadData);
    for (const row of data.users()) await users.add(row);
    await users.finish();
    const products = new ChunkWriter(a, 'products', 'id, sku, name, price, stock, created_at', loadData);
    for (const row of data.products()) await products.add(row);
    await products.finish();
    lap(`${users.rows} users and ${products.rows} products (${loadData ? 'LOAD DATA LOCAL INFILE' : 'multi-row INSERTs'})`);
    // Orders and their items on two connections at once: two tables, two cores.
    const orders = new ChunkWriter(a, 'orders', 'id, user_id, status, total, created_at', loadData);
    const items = new ChunkWriter(b, 'order_items', 'order_id, product_id, quantity, unit_price', loadData);
    for (const { order, items: lines } of data.orders()) {
      const o = orders.add(order);
      if (o) await o;
      for (const line of lines) {
        const i = items.add(line);
        if (i) await i;
      }
    }
    await Promise.all([orders.finish(), items.finish()]);
    lap(`${orders.rows} orders and ${items.rows} items`);
    // LOAD DATA LOCAL turns errors (a duplicate key, a bad value) into warnings and skips the row:
    // the tables must hold every row generated.
    for (const w of [users, products, orders, items]) {
      const [count] = await a.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${w.table}`);
      if (Number(count[0]?.n) !== w.rows) throw new Error(`seed: ${w.table} holds ${count[0]?.n} rows, but ${w.rows} were generated`);
    }
    return { users: users.rows, products: products.rows, orders: orders.rows, orderItems: items.rows };
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
}

interface Marker {
  scale: number;
  version: number;
  orders: number;
}

async function readMarker(conn: mysql.Connection, db: string): Promise<Marker | null> {
  const [found] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [db, MARKER]);
  if (found.length === 0) return null;
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT scale, version, orders FROM \`${db}\`.${MARKER} LIMIT 1`);
  const r = rows[0];
  return r ? { scale: Number(r.scale), version: Number(r.version), orders: Number(r.orders) } : null;
}

/** Drops (or, without migrate, empties) the bench database and inserts the data set at `scale`. */
export async function seedBench(databaseUrl: string, scale = 1, options: SeedOptions = {}): Promise<SeedCounts> {
  const log = options.log ?? ((line: string) => console.log(line));
  const migrate = options.migrate ?? true;
  const db = databaseName(databaseUrl);
  const set = dataset(scale);
  const started = Date.now();
  if (!db.toLowerCase().includes('bench')) throw new Error(`refusing to seed "${db}": the bench database name must contain "bench"`);
  if (migrate) {
    if (!existsSync(resolve(ROOT, MIGRATE_SCRIPT))) {
      throw new Error(`${MIGRATE_SCRIPT} not found: cannot create the bench tables (use --no-migrate if they already exist)`);
    }
    const admin = await mysql.createConnection(serverUrl(databaseUrl));
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.end();
    log(`seed: dropped ${db}, running migrations`);
    await runMigrations(databaseUrl);
  }
  const conn = await sessionFor(databaseUrl);
  let counts: SeedCounts;
  try {
    const [tables] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [db],
    );
    const names = tables.map((r) => String(r.t));
    const missing = ['users', 'products', 'orders', 'order_items'].filter((t) => !names.includes(t));
    if (missing.length > 0) throw new Error(`bench database ${db} lacks tables: ${missing.join(', ')}`);
    // Empty every table (derived ones too: TRUNCATE fires no trigger, so the counter tables
    // of src/db/counters.ts are emptied with the tables they count, and the inserts below
    // count again through the triggers), keeping only the migrations' own bookkeeping.
    if (!migrate) for (const t of names.filter((n) => !/migrat/i.test(n))) await conn.query(`TRUNCATE TABLE \`${t}\``);
    await conn.query(`DROP TABLE IF EXISTS ${MARKER}`);
    log(`seed: inserting scale ${scale} (${set.users} users, ${set.products} products, ${set.orders} orders) into ${db}`);
    counts = await insertAll(databaseUrl, set, log);
    // The count triggers appended a delta per row: fold them now, so the first counts the
    // bench measures read the counter totals as a running shop's would.
    const folded = await foldCounters(databaseUrl);
    log(`seed: folded ${folded} counter deltas`);
    await conn.query('ANALYZE TABLE users, products, orders, order_items');
    const seconds = (Date.now() - started) / 1000;
    // Written last: a seed cut short leaves no marker, so it is never reused.
    await conn.query(`CREATE TABLE ${MARKER} (scale INT NOT NULL, version INT NOT NULL, users INT NOT NULL, products INT NOT NULL,
      orders INT NOT NULL, order_items INT NOT NULL, seconds DOUBLE NOT NULL, seeded_at DATETIME(3) NOT NULL DEFAULT NOW(3))`);
    await conn.query(`INSERT INTO ${MARKER} (scale, version, users, products, orders, order_items, seconds) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [scale, GENERATOR_VERSION, counts.users, counts.products, counts.orders, counts.orderItems, seconds]);
  } finally {
    await conn.end();
  }
  log(`seed: ${JSON.stringify(counts)} into ${db} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return counts;
}

/** Folds the counters' deltas (src/db/counters.ts) on a connection of its own. */
async function foldCounters(databaseUrl: string): Promise<number> {
  const db = createDb(loadConfig({ DATABASE_URL: databaseUrl, DB_POOL_SIZE: '1' }));
  try {
    return await compactCounters(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Seeds only when the database does not already hold this scale's data set. A reused one is
 * migrated (new migrations apply, as on a real upgrade) and reset to the seeded rows: the orders
 * bench runs placed are deleted with their items, and stock is given back.
 */
export async function ensureSeeded(databaseUrl: string, scale = 1, options: SeedOptions = {}): Promise<'seeded' | 'reused'> {
  const log = options.log ?? ((line: string) => console.log(line));
  const db = databaseName(databaseUrl);
  const admin = await mysql.createConnection(serverUrl(databaseUrl));
  const marker = await readMarker(admin, db).finally(() => admin.end());
  if (!marker || marker.scale !== scale || marker.version !== GENERATOR_VERSION) {
    await seedBench(databaseUrl, scale, options);
    return 'seeded';
  }
  if (options.migrate ?? true) await runMigrations(databaseUrl);
  const conn = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [items] = await conn.query<mysql.ResultSetHeader>('DELETE FROM order_items WHERE order_id > ?', [marker.orders]);
    const [orders] = await conn.query<mysql.ResultSetHeader>('DELETE FROM orders WHERE id > ?', [marker.orders]);
    const [stock] = await conn.query<mysql.ResultSetHeader>('UPDATE products SET stock = ? WHERE stock <> ?', [SEED_STOCK, SEED_STOCK]);
    log(`seed: reusing ${db} (scale ${scale}); reset ${orders.affectedRows} placed orders (${items.affectedRows} items) and the stock of ${stock.affectedRows} products`);
  } finally {
    await conn.end();
  }
  return 'reused';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { scale: { type: 'string' }, 'if-needed': { type: 'boolean' }, 'no-migrate': { type: 'boolean' } } });
  const scale = Number(values.scale ?? 1);
  const url = benchDatabaseUrl(scale);
  const options = { migrate: !values['no-migrate'] };
  (values['if-needed'] ? ensureSeeded(url, scale, options) : seedBench(url, scale, options)).catch((err: unknown) => {
    console.error(`seed failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
