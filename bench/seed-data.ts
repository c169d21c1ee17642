// The deterministic bench data set, generated row by row (scale 20 is 4.3 million rows: they are
// streamed into the INSERTs, never all held in memory). The PRNG is consumed in the same order at
// every scale, so scale 1 is the data set the bench has always used, and scale N extends the same
// recipe to N times the ids.
import { NAME_PARTS, fromCents, prng, randInt, skuOf, type Dataset } from './common.ts';

/** Bump when the generated rows change, so reused bench databases are seeded again. */
export const GENERATOR_VERSION = 1;

const SEED = 20_261_124;
const STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const STATUS_WEIGHTS = [0.2, 0.5, 0.9, 1]; // cumulative: 20% / 30% / 40% / 10%
const BASE_TIME = Date.UTC(2025, 0, 1);
/** Every product starts with this stock, so PlaceOrder never runs out (and a reset restores it). */
export const SEED_STOCK = 1_000_000;

export type Row = (string | number)[];

function datetime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * The rows of one data set. Call users(), products() and orders() in that order, each
 * iterated to its end: they share one PRNG stream.
 */
export class BenchData {
  readonly #rand = prng(SEED);
  readonly #priceCents: number[] = [0];

  constructor(readonly set: Dataset) {}

  /** [id, name, email, created_at] */
  *users(): Generator<Row> {
    const rand = this.#rand;
    const { first, last } = NAME_PARTS;
    for (let id = 1; id <= this.set.users; id++) {
      const name = `${first[randInt(rand, 0, 9)]} ${last[randInt(rand, 0, 9)]} ${id}`;
      yield [id, name, `user${id}@bench.example`, datetime(BASE_TIME + id * 60_000 + randInt(rand, 0, 999))];
    }
  }

  /** [id, sku, name, price, stock, created_at] */
  *products(): Generator<Row> {
    const rand = this.#rand;
    const { adjective, noun } = NAME_PARTS;
    for (let id = 1; id <= this.set.products; id++) {
      const cents = randInt(rand, 99, 99_999);
      this.#priceCents.push(cents);
      const name = `${adjective[randInt(rand, 0, 9)]} ${noun[randInt(rand, 0, 9)]} ${id}`;
      yield [id, skuOf(id), name, fromCents(cents), SEED_STOCK, datetime(BASE_TIME + id * 1_000)];
    }
  }

  /**
   * Each order [id, user_id, status, total, created_at] with its 1-5 items
   * [order_id, product_id, quantity, unit_price]: distinct products, unit_price the
   * product's price, total the exact sum in cents.
   */
  *orders(): Generator<{ order: Row; items: Row[] }> {
    const rand = this.#rand;
    const { users, products } = this.set;
    for (let id = 1; id <= this.set.orders; id++) {
      const userId = randInt(rand, 1, users);
      const r = rand();
      const status = STATUSES[STATUS_WEIGHTS.findIndex((w) => r < w)] ?? 'PAID';
      const lines = new Set<number>();
      const count = randInt(rand, 1, 5);
      while (lines.size < count) lines.add(randInt(rand, 1, products));
      let total = 0;
      const items: Row[] = [];
      for (const productId of lines) {
        const quantity = randInt(rand, 1, 5);
        const unit = this.#priceCents[productId] ?? 0;
        total += quantity * unit;
        items.push([id, productId, quantity, fromCents(unit)]);
      }
      yield { order: [id, userId, status, fromCents(total), datetime(BASE_TIME + 30 * 86_400_000 + id * 30_000)], items };
    }
  }
}

/** A row as a SQL tuple. The generated strings hold no quote or backslash (checked), so quoting them is enough. */
export function tuple(row: Row): string {
  let out = '(';
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (i > 0) out += ',';
    if (typeof v === 'number') out += v;
    else {
      if (/['\\]/.test(v)) throw new Error(`generated value ${JSON.stringify(v)} would need escaping`);
      out += `'${v}'`;
    }
  }
  return `${out})`;
}

/** A row as a line of LOAD DATA's default format (tab-separated); the same check as tuple(). */
export function tsvLine(row: Row): string {
  let out = '';
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (typeof v === 'string' && /[\t\n\\]/.test(v)) throw new Error(`generated value ${JSON.stringify(v)} would need escaping`);
    out += i === 0 ? v : `\t${v}`;
  }
  return `${out}\n`;
}
