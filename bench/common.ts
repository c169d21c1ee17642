// Shared by the seeder, the baseline, the load generator and the orchestrator.

/** Size of the bench data set (ids are 1..N, inserted explicitly). */
export const DATASET = { users: 10_000, products: 2_000, orders: 50_000 } as const;

export const DEFAULT_BENCH_DB = 'mysql://root@127.0.0.1:3306/shop_bench';

export function benchDatabaseUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DB;
}

/** mulberry32, shared with the demo seed: small, fast, deterministic PRNG returning floats in [0, 1). */
export { prng } from '../src/db/seed.ts';

/** Integer in [min, max] (inclusive). */
export function randInt(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
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
