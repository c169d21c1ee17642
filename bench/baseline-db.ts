// The baseline's database access: one mysql2 pool, a statement counter for GET /stats, and the
// small helpers every route shares. No GraphQL library and no query builder: plain SQL strings.
// Env: DATABASE_URL, DB_POOL_SIZE (default 10), BASELINE_SQL=auto|execute|query.
import mysql from 'mysql2/promise';
import { benchDatabaseUrl, decodeCursor, type CursorKind } from './common.ts';

export type Rows = mysql.RowDataPacket[];
export type Param = string | number;
export type Json = Record<string, unknown>;

export const poolSize = Number(process.env.DB_POOL_SIZE ?? 10);
if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error('DB_POOL_SIZE must be a positive integer');

/** Prepared statements (execute, binary protocol) or the text protocol (query). */
export type Mode = 'execute' | 'query';
export const modeEnv = process.env.BASELINE_SQL ?? 'auto';
if (!['auto', 'execute', 'query'].includes(modeEnv)) throw new Error('BASELINE_SQL must be "auto", "execute" or "query"');
const modeFor = (preferred: Mode): Mode => (modeEnv === 'auto' ? preferred : (modeEnv as Mode));
/**
 * What measured fastest per statement kind (bench/RESULTS.md): prepared statements for
 * statements of a fixed shape, run again and again (a point lookup, a page, a count,
 * an order's writes); the text protocol for long IN lists, whose text changes with
 * the number of ids and would fill each connection's statement cache.
 */
export const POINT = modeFor('execute');
export const BULK = modeFor('query');

export const pool = mysql.createPool({
  uri: process.env.DATABASE_URL ?? benchDatabaseUrl(),
  connectionLimit: poolSize,
  timezone: 'Z',
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
});
pool.pool.on('connection', (conn) => conn.query("SET time_zone = '+00:00'"));

/** Statements run and requests answered, for GET /stats (read around each measured round). */
export const counters = { statements: 0, requests: 0 };

export async function sql<T extends Rows | mysql.ResultSetHeader = Rows>(
  mode: Mode,
  db: mysql.Pool | mysql.PoolConnection,
  text: string,
  params: Param[] = [],
): Promise<T> {
  counters.statements++;
  const [result] = mode === 'execute' ? await db.execute(text, params) : await db.query(text, params);
  return result as T;
}

export class GraphQLError extends Error {
  /** `data` is what a spec server returns alongside the error (null for a non-null root field). */
  constructor(message: string, readonly code: string, readonly data: Json | null = null) {
    super(message);
  }
}

export const marks = (n: number): string => Array.from({ length: n }, () => '?').join(',');
export const isId = (v: unknown): v is string => typeof v === 'string' && /^[1-9][0-9]{0,19}$/.test(v);
export const byId = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** `first` as the contract allows it (0..100), else BAD_USER_INPUT. */
export function checkFirst(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    throw new GraphQLError(`first must be between 0 and 100, but got ${String(value)}`, 'BAD_USER_INPUT');
  }
  return value;
}

/** The id an `after` cursor points at, null for none, BAD_USER_INPUT for a cursor the gateway would refuse. */
export function afterId(kind: CursorKind, after: unknown): string | null {
  if (after === null || after === undefined) return null;
  const id = typeof after === 'string' ? decodeCursor(kind, after) : null;
  if (id === null) throw new GraphQLError(`after is not a cursor of this ${kind.toLowerCase()} list`, 'BAD_USER_INPUT');
  return id;
}

/** A case-insensitive "contains" in which % and _ match themselves (`!` escapes; the *_ci collation ignores case). */
export function containsPattern(search: string): string {
  return `%${search.replace(/[!%_]/g, '!$&')}%`;
}

/** Groups rows by a key column, keeping their order. */
export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}
