// A query plan: what a GraphQL operation asks of the database, with the
// GraphQL taken out. The planner (build-plan.ts) turns a validated operation
// into a plan; the SQL compiler (sql.ts) turns a plan into one SQL
// statement that returns the response's JSON text. Fields and row conditions
// are the domains' own definitions (src/<domain>/<domain>.fields.ts).
import type { Condition } from '../db/conditions.ts';
import type { FieldDef } from '../fields.ts';

export type Entity = 'user' | 'order' | 'product' | 'item';

export type PlanValue =
  /** A field stored on, or computed from, the row (its domain's definition). */
  | { kind: 'field'; field: FieldDef }
  | { kind: 'literal'; json: string }
  | { kind: 'orderCount' }
  | { kind: 'totalSpent' }
  /** A to-one relation through a foreign key column of this row. */
  | { kind: 'parent'; via: 'user_id' | 'product_id'; object: ObjectPlan }
  /** The items of an order, by product id. */
  | { kind: 'items'; object: ObjectPlan }
  | { kind: 'connection'; connection: ConnectionPlan };

export interface PlanField {
  /** Response key: the alias, or the field name. */
  readonly key: string;
  readonly value: PlanValue;
}

export interface ObjectPlan {
  readonly entity: Entity;
  readonly fields: PlanField[];
}

export type ConnectionPart =
  | { kind: 'nodes'; object: ObjectPlan }
  | { kind: 'edges'; fields: { key: string; part: 'cursor' | 'node' | 'typename'; object?: ObjectPlan; json?: string }[] }
  | { kind: 'pageInfo'; fields: { key: string; part: 'hasNextPage' | 'hasPreviousPage' | 'startCursor' | 'endCursor' | 'typename'; json?: string }[] }
  | { kind: 'totalCount' }
  | { kind: 'literal'; json: string };

export interface ConnectionPlan {
  readonly entity: 'user' | 'order' | 'product';
  /** The rows of the list (before paging), from the domain's conditions. */
  readonly where: readonly Condition[];
  /** For User.orders: the orders of the enclosing user row. */
  readonly ofParentUser: boolean;
  readonly first: number;
  readonly afterId: string | null;
  readonly parts: { key: string; part: ConnectionPart }[];
}

export type RootPlan =
  | {
      key: string;
      kind: 'single';
      entity: 'user' | 'order' | 'product';
      id: string;
      /** Row rules besides the id (the viewer's): a row failing them does not exist. */
      where: readonly Condition[];
      /** What a row that does not exist answers: null with NOT_FOUND (user, order, product), or null alone (viewer). */
      missing: 'notFound' | 'null';
      object: ObjectPlan;
      /** Where the field stands in the query text, for a NOT_FOUND error. */
      location: { line: number; column: number } | null;
    }
  | { key: string; kind: 'connection'; connection: ConnectionPlan }
  | { key: string; kind: 'productCount'; where: readonly Condition[] }
  | { key: string; kind: 'literal'; json: string };

export interface OperationPlan {
  /** The operation's name, if it has one. */
  readonly operationName: string | null;
  readonly roots: RootPlan[];
}

/** A mutation the node:http front can run itself and answer from the written rows. */
export interface MutationPlan {
  readonly operationName: string | null;
  /** Response key of the one root field. */
  readonly key: string;
  readonly field: 'placeOrder' | 'cancelOrder';
  /** Coerced arguments, exactly as the resolver would receive them. */
  readonly args: Record<string, any>;
  /** The selection on the returned Order. */
  readonly object: ObjectPlan;
  readonly location: { line: number; column: number } | null;
}

/**
 * Whether a part of the connection reads its page's rows: its rows or a cursor, and
 * `withNext` hasNextPage (at the root, and in the plain-rows form, it is the page's row count;
 * under a parent row in the JSON statement an EXISTS of its own). Both SQL writers ask this.
 */
export function readsPage(c: ConnectionPlan, withNext: boolean): boolean {
  return c.parts.some(
    ({ part }) =>
      part.kind === 'nodes' ||
      part.kind === 'edges' ||
      (part.kind === 'pageInfo' && part.fields.some((f) => (withNext && f.part === 'hasNextPage') || f.part === 'startCursor' || f.part === 'endCursor')),
  );
}

/** At the root: whether a part needs row first+1, which tells hasNextPage and whether the page proves totalCount. */
export function wantsExtraRow(c: ConnectionPlan): boolean {
  return c.parts.some(
    ({ part }) =>
      (part.kind === 'totalCount' && c.afterId === null) || (part.kind === 'pageInfo' && part.fields.some((f) => f.part === 'hasNextPage')),
  );
}

/** The entities a plan reads, for the response cache's tags and TTLs. */
export function entitiesOf(plan: OperationPlan): { entities: Entity[]; onlyCounts: boolean } {
  const seen = new Set<Entity>();
  const visitObject = (object: ObjectPlan) => {
    seen.add(object.entity);
    for (const { value } of object.fields) {
      if (value.kind === 'orderCount' || value.kind === 'totalSpent') seen.add('order');
      else if (value.kind === 'parent' || value.kind === 'items') visitObject(value.object);
      else if (value.kind === 'connection') visitConnection(value.connection);
    }
  };
  const visitConnection = (connection: ConnectionPlan) => {
    seen.add(connection.entity);
    for (const { part } of connection.parts) {
      if (part.kind === 'nodes') visitObject(part.object);
      if (part.kind === 'edges') for (const f of part.fields) if (f.object) visitObject(f.object);
    }
  };
  let onlyCounts = true;
  for (const root of plan.roots) {
    if (root.kind === 'productCount') seen.add('product');
    else if (root.kind === 'single') visitObject(root.object);
    else if (root.kind === 'connection') visitConnection(root.connection);
    if (root.kind !== 'productCount' && root.kind !== 'literal') onlyCounts = false;
  }
  return { entities: [...seen], onlyCounts };
}

