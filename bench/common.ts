// Shared by the seeder, the baseline, the load generator and the orchestrator.

/** Size of the bench data set at scale 1 (ids are 1..N, inserted explicitly). */
export const DATASET = { users: 10_000, products: 2_000, orders: 50_000 } as const;

export interface Dataset {
  readonly scale: number;
  readonly users: number;
  readonly products: number;
  readonly orders: number;
}

/** The data set at `scale` times the size of scale 1 (scale 20: 200,000 users, 40,000 products, 1,000,000 orders). */
export function dataset(scale = 1): Dataset {
  if (!Number.isInteger(scale) || scale < 1 || scale > 1000) throw new Error(`scale must be an integer from 1 to 1000, but got ${scale}`);
  return { scale, users: DATASET.users * scale, products: DATASET.products * scale, orders: DATASET.orders * scale };
}

/** What the seeded names are made of (bench/seed.ts); search inputs pick from them (bench/inputs.ts). */
export const NAME_PARTS = {
  first: ['Ada', 'Alan', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Frances', 'Edsger'],
  last: ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Liskov', 'Thompson', 'Hamilton', 'Ritchie', 'Allen', 'Dijkstra'],
  adjective: ['Red', 'Blue', 'Large', 'Small', 'Smart', 'Classic', 'Eco', 'Pro', 'Mini', 'Ultra'],
  noun: ['Lamp', 'Chair', 'Mug', 'Desk', 'Kettle', 'Backpack', 'Headset', 'Clock', 'Notebook', 'Pen'],
} as const;

/** A product's sku as seeded: SKU-000042. */
export function skuOf(id: number): string {
  return `SKU-${String(id).padStart(6, '0')}`;
}

export const DEFAULT_BENCH_DB = 'mysql://root@127.0.0.1:3306/shop_bench';

/**
 * The bench database for a scale: BENCH_DATABASE_URL (default shop_bench) at
 * scale 1, and the same name with `_x<scale>` above it, so each scale keeps
 * its own data set and a re-run can skip seeding it.
 */
export function benchDatabaseUrl(scale = 1): string {
  const base = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DB;
  if (scale === 1) return base;
  const url = new URL(base);
  url.pathname = `/${decodeURIComponent(url.pathname.slice(1))}_x${scale}`;
  return url.toString();
}

/** The database name in a mysql:// URL (validated: letters, digits, `_`, `$`). */
export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z0-9_$]+$/.test(name)) throw new Error(`bench database URL must name a database: ${databaseUrl}`);
  return name;
}

/** The same URL without its database, for admin statements (CREATE/DROP DATABASE, information_schema). */
export function serverUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/';
  return url.toString();
}

/** mulberry32, shared with the demo seed: small, fast, deterministic PRNG returning floats in [0, 1). */
export { prng } from '../src/db/seed.ts';

/** Integer in [min, max] (inclusive). */
export function randInt(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

/** One of `items`, uniformly. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** "12.50" -> 1250. Accepts DECIMAL(12,2) strings as returned by mysql2. */
export function toCents(decimal: string): number {
  const neg = decimal.startsWith('-');
  const [int = '0', frac = ''] = (neg ? decimal.slice(1) : decimal).split('.');
  const cents = Number(int) * 100 + Number((frac + '00').slice(0, 2));
  return neg ? -cents : cents;
}

/** 1250 -> "12.50" (exact for integers below 2^53). */
export function fromCents(cents: number): string {
  const neg = cents < 0;
  const abs = Math.abs(cents);
  const s = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

/** MySQL DATETIME(3) string (stored as UTC) -> GraphQL DateTime "2026-11-24T10:00:00.000Z". */
export function toIsoUtc(datetime: string): string {
  const [date, time = '00:00:00'] = datetime.split(' ');
  const [hms, ms = ''] = time.split('.');
  return `${date}T${hms}.${(ms + '000').slice(0, 3)}Z`;
}

export type CursorKind = 'User' | 'Order' | 'Product';

/**
 * The gateway's cursor for a row: base64url of `<Kind>:<id>`. Opaque to
 * clients; the baseline writes the same text, which the equivalence check
 * proves on every workload that returns cursors.
 */
export function encodeCursor(kind: CursorKind, id: string | number): string {
  return Buffer.from(`${kind}:${id}`, 'utf8').toString('base64url');
}

/** The id inside a cursor of `kind`, or null when it is not one. */
export function decodeCursor(kind: CursorKind, cursor: string): string | null {
  if (cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^([A-Za-z]+):(0|[1-9]\d{0,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== kind || encodeCursor(kind, match[2]!) !== cursor) return null;
  return match[2]!;
}
