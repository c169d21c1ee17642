// Relay-style connections with keyset pagination. Every list is ordered by id
// ascending, so a cursor is the id of the last row seen, wrapped so clients
// treat it as opaque and so a cursor of one list is refused by another.
// totalCount and hasPreviousPage cost a statement each, so they are thunks
// that run only when a client selects them (and totalCount not even then when
// the page proves it: a short first page is the whole list).
import { BadUserInputError } from './errors.ts';
import { MAX_ID } from './values.ts';

export type CursorKind = 'User' | 'Order' | 'Product' | 'Job' | 'JobError';

export interface Page<Row> {
  readonly rows: Row[];
  readonly hasNextPage: boolean;
}

export interface Connection<Row> extends Page<Row> {
  readonly kind: CursorKind;
  /** The id the page starts after, or null for the first page. */
  readonly afterId: string | null;
  readonly totalCount: () => Promise<number>;
  readonly hasPreviousPage: () => Promise<boolean>;
}

export interface Edge<Row> {
  readonly cursor: string;
  readonly node: Row;
}

export const MAX_PAGE_SIZE = 100;

/** Validates `first` (0..100) per the contract. */
export function checkFirst(first: number | null | undefined, fallback = 20, argument = 'first'): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`${argument} must be between 0 and ${MAX_PAGE_SIZE}, but got ${value}`, argument);
  }
  return value;
}

export function encodeCursor(kind: CursorKind, id: string): string {
  return Buffer.from(`${kind}:${id}`, 'utf8').toString('base64url');
}

/** Returns the id inside a cursor this server issued for `kind`, or throws BAD_USER_INPUT. */
export function decodeCursor(kind: CursorKind, cursor: string | null | undefined, argument = 'after'): string | null {
  if (cursor === null || cursor === undefined) return null;
  const fail = (): never => {
    throw new BadUserInputError(
      `${argument} is not a cursor of this ${kind.toLowerCase()} list; pass an endCursor or edge cursor you received from it`,
      argument,
    );
  };
  if (cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return fail();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^([A-Za-z]+):(0|[1-9]\d{0,19})$/.exec(text);
  if (!match || match[1] !== kind || BigInt(match[2]!) > MAX_ID) return fail();
  // Re-encoding must give the same text, so trailing garbage bits are refused too.
  if (encodeCursor(kind, match[2]!) !== cursor) return fail();
  return match[2]!;
}

export function toEdges<Row extends { id: string }>(connection: Connection<Row>): Edge<Row>[] {
  return connection.rows.map((node) => ({ cursor: encodeCursor(connection.kind, node.id), node }));
}

export function startCursor(connection: Connection<{ id: string }>): string | null {
  const first = connection.rows[0];
  return first ? encodeCursor(connection.kind, first.id) : null;
}

export function endCursor(connection: Connection<{ id: string }>): string | null {
  const last = connection.rows[connection.rows.length - 1];
  return last ? encodeCursor(connection.kind, last.id) : null;
}

/** Rows fetched with LIMIT first+1: the extra row only tells that a next page exists. */
export function toPage<Row>(rows: Row[], first: number): Page<Row> {
  return rows.length > first ? { rows: rows.slice(0, first), hasNextPage: true } : { rows, hasNextPage: false };
}

/** Memoises a thunk so a field selected twice (aliases) runs its statement once. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

/**
 * The list's row count when the page proves it: a first page (no cursor) that
 * read fewer than first + 1 rows has read every row of the list, so its length
 * is the count; otherwise null (count the rows).
 */
export function provenCount(page: Page<unknown>, afterId: string | null): number | null {
  return afterId === null && !page.hasNextPage ? page.rows.length : null;
}

/**
 * A connection over a fetched page; `stats` (over the same rows as the page)
 * runs COUNT/MIN only if a client asks, and not for a totalCount the page
 * proves (provenCount).
 */
export function buildConnection<Row>(
  kind: CursorKind,
  page: Page<Row>,
  afterId: string | null,
  stats: () => Promise<{ count: number; minId: string | null }>,
): Connection<Row> {
  const cached = once(stats);
  const proven = provenCount(page, afterId);
  return {
    kind,
    rows: page.rows,
    hasNextPage: page.hasNextPage,
    afterId,
    totalCount: async () => proven ?? (await cached()).count,
    hasPreviousPage: async () => {
      if (afterId === null) return false;
      const { minId } = await cached();
      return minId !== null && BigInt(minId) <= BigInt(afterId);
    },
  };
}
