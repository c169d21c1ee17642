// What the plain-rows form (rows-sql.ts) hands its runner (rows-run.ts): the
// statements of a root field, level by level, and the shapes that say where
// each field of the response is in their rows.
import type { ValueFormat } from '../formats.ts';
import type { ConnectionPart } from './plan.ts';

/** A statement's text and its parameters, in text order. */
export interface Sql {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** How an object is written from its row: where each field's value is. */
export type Shape = readonly ShapeField[];

/** A field of an object, with `head`: its key as written before its value (`"key":`, after a comma but for the first). */
export type ShapeField = Headed<FieldSource>;
type Headed<T> = T & { readonly head: string };

export type FieldSource =
  /** A column of the row; `part` picks one of two space-separated values (a count and a sum read in one pass). */
  | { readonly key: string; readonly kind: 'column'; readonly column: string; readonly format: ValueFormat; readonly part?: 0 | 1 }
  | { readonly key: string; readonly kind: 'literal'; readonly json: string }
  /** A column of the first row a child read has for this row (window aggregates over all of them); zero when it has none. */
  | { readonly key: string; readonly kind: 'aggregate'; readonly read: ChildRead; readonly column: string; readonly format: 'int' | 'money' }
  /** A to-one relation joined into the same row; null when its id column is. */
  | { readonly key: string; readonly kind: 'joined'; readonly idColumn: string; readonly shape: Shape }
  /** The rows of a child read whose key is this row's. */
  | { readonly key: string; readonly kind: 'items'; readonly read: ChildRead; readonly shape: Shape }
  | { readonly key: string; readonly kind: 'connection'; readonly read: ChildRead | null; readonly conn: ConnShape };

/** A connection's parts over its rows (first+1 at most, in id order). */
export interface ConnShape {
  readonly kind: 'User' | 'Order' | 'Product';
  readonly first: number;
  readonly afterId: string | null;
  /** The column of its rows holding their id (cursors). */
  readonly idColumn: string;
  /** Under a parent row: the parent's columns holding totalCount and hasPreviousPage, when asked for. */
  readonly countColumn: string | null;
  readonly previousColumn: string | null;
  readonly parts: readonly Headed<{ readonly key: string; readonly part: ShapedPart }>[];
}

export type ShapedPart =
  | { readonly kind: 'literal'; readonly json: string }
  | { readonly kind: 'totalCount' }
  | { readonly kind: 'nodes'; readonly shape: Shape }
  | { readonly kind: 'edges'; readonly fields: readonly Headed<{ key: string; part: 'cursor' | 'node' | 'typename'; shape?: Shape; json?: string }>[] }
  | Extract<ConnectionPart, { kind: 'pageInfo' }>;

/** Rows read for the rows of a parent statement, by the parent's key. */
export interface ChildRead {
  /** The parent row's column holding the key (its id). */
  readonly keyColumn: string;
  /** The statement for these keys; its rows carry the key as column `keyAlias`, in key then id order. */
  sql(keys: readonly string[]): Sql;
  /** The column of its rows holding the key. */
  readonly keyAlias: string;
  /**
   * How to join it into its parent's statement instead (an order's items): its select list and
   * that list's parameters, its joins given the parent's key column (`on`), and its order
   * within a key. Absent for reads that take a LIMIT per key.
   */
  readonly join?: { readonly select: string; readonly params: readonly unknown[]; from(on: string): string; readonly orderBy: string };
  /** At most this many rows per key are a page whose rows the children read (the rest tell hasNextPage); null: all. */
  readonly pageSize: number | null;
  /** The key, when it is known before the parent row is read (User.orders of user(id), viewer): joined into the parent's statement, or read beside it. */
  readonly knownKey: string | null;
  /** The column of its rows that orders them within a key (a connection's ids); null for reads that are never joined. */
  readonly orderColumn: string | null;
  readonly children: readonly ChildRead[];
}

export type RootRead =
  | {
      readonly kind: 'single';
      readonly read: Sql;
      readonly shape: Shape;
      readonly children: readonly ChildRead[];
      /**
       * A child whose key is known (a user's first orders), joined into `read` (LEFT JOIN ... ON
       * TRUE), and the one of its children joined with it (the orders' items): their rows are
       * the statement's rows that have their key.
       */
      readonly joined: { readonly page: ChildRead; readonly items: ChildRead | null } | null;
    }
  | {
      readonly kind: 'connection';
      /** Null when no part reads the page's rows. */
      readonly page: Sql | null;
      readonly count: Sql | null;
      /**
       * The count runs only when the page does not prove it (a first page of
       * first+1 rows): the filter is then evaluated once for most searches,
       * whose pages are short, at the cost of a second round trip for the rest.
       */
      readonly countAfterPage: boolean;
      /** hasPreviousPage (column e) when no count is read; otherwise column e of the count's statement. */
      readonly previous: Sql | null;
      readonly conn: ConnShape;
      readonly children: readonly ChildRead[];
    }
  | { readonly kind: 'count'; readonly count: Sql }
  | { readonly kind: 'literal'; readonly json: string };

/** The fields with their heads. */
export function headed<T extends { readonly key: string }>(fields: readonly T[]): Headed<T>[] {
  return fields.map((field, i) => ({ ...field, head: `${i === 0 ? '' : ','}${JSON.stringify(field.key)}:` }));
}
