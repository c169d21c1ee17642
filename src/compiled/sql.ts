// The compiled path's SQL compiler: compiles an OperationPlan into ONE SELECT whose
// columns are the JSON text of each root field, built by the database with
// CONCAT/GROUP_CONCAT and JSON_QUOTE. Nested JSON_OBJECT/JSON_ARRAYAGG cost
// MariaDB ~40% more CPU on the Dashboard statement and write ", " and ": ",
// so their text would have to be parsed and written again in Node (~1 ms a
// body); Kysely's jsonArrayFrom/jsonObjectFrom do not run on MariaDB at all
// (bench/json-variants.ts, bench/RESULTS.md). A root list reads its page once,
// as a derived table of first+1 rows that every part of the connection
// aggregates (connectionJson). Per-parent "first N" uses a correlated cutoff
// id (the Nth id) instead of LATERAL, which MariaDB lacks, and instead of
// GROUP_CONCAT ... LIMIT, which MySQL lacks.
// Every value a client sent is a bound parameter; the SQL text only carries
// names and JSON punctuation chosen here.
import type { FieldDef } from '../fields.ts';
import { FORMATS } from '../formats.ts';
import { COUNTS_AS_SPENT } from '../orders/order.fields.ts';
import type { ConnectionPart, ConnectionPlan, ObjectPlan, OperationPlan, PlanValue, RootPlan } from './plan.ts';
import { MAX_ID } from '../values.ts';
import { renderConditions } from '../db/conditions.ts';
import { counterCount } from '../db/counters.ts';

export interface CompiledJsonQuery {
  readonly sql: string;
  readonly params: unknown[];
  /**
   * True when the statement returns no row at all for a single root whose row
   * does not exist (the one-root form below); otherwise it always returns one row.
   */
  readonly noRowIsNull?: boolean;
}

const TABLE = { user: 'users', order: 'orders', product: 'products', item: 'order_items' } as const;
const CURSOR_KIND = { user: 'User', order: 'Order', product: 'Product' } as const;

/** A SQL string literal of text chosen by this module (names, JSON punctuation). */
function lit(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

class Builder {
  readonly params: unknown[] = [];
  /** Aliases of rows whose id is a bound value (a single root's row), alias -> id. */
  readonly knownIds = new Map<string, string>();
  #alias = 0;
  alias(): string {
    return `t${++this.#alias}`;
  }
  param(value: unknown): string {
    this.params.push(value);
    return '?';
  }
}

/** CONCAT arguments writing a stored or computed field of the row at alias `a`. */
function fieldJson(b: Builder, a: string, field: FieldDef): string {
  switch (field.kind) {
    case 'column':
      return FORMATS[field.format].sql(`${a}.${field.column}`);
    case 'flag':
      return FORMATS.boolean.sql(renderConditions([field.condition], a, b.params));
    case 'computed':
      return FORMATS[field.format].sql(field.sql(a));
  }
}

/** CONCAT arguments (comma-separated) writing one field's JSON value. */
function valueJson(b: Builder, a: string, value: PlanValue): string {
  switch (value.kind) {
    case 'field':
      return fieldJson(b, a, value.field);
    case 'literal':
      return lit(value.json);
    case 'orderCount': {
      const o = b.alias();
      return counterCount('orders', [], b.params, `${a}.id`) ?? `(SELECT COUNT(*) FROM orders ${o} WHERE ${o}.user_id = ${a}.id)`;
    }
    case 'totalSpent': {
      const o = b.alias();
      return `'"', (SELECT COALESCE(SUM(${o}.total), 0.00) FROM orders ${o} WHERE ${o}.user_id = ${a}.id AND ${renderConditions([COUNTS_AS_SPENT], o, b.params)}), '"'`;
    }
    case 'parent': {
      const p = b.alias();
      const table = value.via === 'user_id' ? 'users' : 'products';
      return `(SELECT ${objectJson(b, p, value.object)} FROM ${table} ${p} WHERE ${p}.id = ${a}.${value.via})`;
    }
    case 'items': {
      const i = b.alias();
      return `'[', (SELECT COALESCE(GROUP_CONCAT(${objectJson(b, i, value.object)} ORDER BY ${i}.product_id SEPARATOR ','), '') FROM order_items ${i} WHERE ${i}.order_id = ${a}.id), ']'`;
    }
    case 'connection':
      return connectionJson(b, value.connection, a);
  }
}

/** A CONCAT(...) expression writing one object's JSON. */
function objectJson(b: Builder, a: string, object: ObjectPlan): string {
  const parts: string[] = [];
  const { fields } = object;
  for (let index = 0; index < fields.length; index++) {
    const { key, value } = fields[index]!;
    parts.push(lit(`${index === 0 ? '{' : ','}${JSON.stringify(key)}:`));
    const next = fields[index + 1];
    if (next && isAggregatePair(value, next.value)) {
      parts.push(aggregatePairJson(b, a, value.kind as 'orderCount' | 'totalSpent', next.key));
      index++;
    } else {
      parts.push(valueJson(b, a, value));
    }
  }
  parts.push(lit(fields.length ? '}' : '{}'));
  return `CONCAT(${parts.join(', ')})`;
}

function isAggregatePair(first: PlanValue, second: PlanValue): boolean {
  return (first.kind === 'orderCount' && second.kind === 'totalSpent') || (first.kind === 'totalSpent' && second.kind === 'orderCount');
}

/**
 * orderCount and totalSpent written next to each other (the usual selection)
 * from ONE pass over the user's orders instead of a subquery each: on the
 * point lookup that took MariaDB's CPU per statement from 92 to 83 us
 * (bench/RESULTS.md, round 7). The value of the first, the second's key, the
 * value of the second.
 */
function aggregatePairJson(b: Builder, a: string, first: 'orderCount' | 'totalSpent', secondKey: string): string {
  const o = b.alias();
  // The pass over the user's orders is needed for the spent total anyway, so
  // its COUNT(*) costs nothing more; a counter would add a row to read.
  const count = 'COUNT(*)';
  const spent = `'"', COALESCE(SUM(IF(${renderConditions([COUNTS_AS_SPENT], o, b.params)}, ${o}.total, 0)), 0.00), '"'`;
  const [one, two] = first === 'orderCount' ? [count, spent] : [spent, count];
  return `(SELECT CONCAT(${one}, ${lit(`,${JSON.stringify(secondKey)}:`)}, ${two}) FROM orders ${o} WHERE ${o}.user_id = ${a}.id)`;
}

/**
 * The WHERE conditions of a connection's rows (before paging), for alias `x`:
 * the domain's conditions, rendered as the repositories render them, and for
 * User.orders the enclosing user.
 */
function baseWhere(b: Builder, x: string, c: ConnectionPlan, parent: string | null, parentId?: string): string {
  if (c.ofParentUser && parentId !== undefined) {
    const ofUser = `${x}.user_id = ${b.param(parentId)}`;
    return `${ofUser} AND ${renderConditions(c.where, x, b.params)}`;
  }
  const conditions = renderConditions(c.where, x, b.params);
  return c.ofParentUser && parent ? `${x}.user_id = ${parent}.id AND ${conditions}` : conditions;
}

function cursorSql(kind: string, idRef: string): string {
  return `REPLACE(REPLACE(REPLACE(TO_BASE64(CONCAT(${lit(`${kind}:`)}, ${idRef})), '=', ''), '+', '-'), '/', '_')`;
}

/** The connection's totalCount: from a counter when one represents its conditions (counters.ts), else COUNT(*) of its rows. */
function countJson(b: Builder, c: ConnectionPlan, parent: string | null): string {
  const x = b.alias();
  const ofUser = c.ofParentUser && parent ? `${parent}.id` : null;
  return counterCount(TABLE[c.entity], c.where, b.params, ofUser) ?? `(SELECT COUNT(*) FROM ${TABLE[c.entity]} ${x} WHERE ${baseWhere(b, x, c, parent)})`;
}

/** hasPreviousPage: whether a row of the list lies at or before the cursor (false on a first page). */
function hasPreviousJson(b: Builder, c: ConnectionPlan, parent: string | null): string {
  if (c.afterId === null) return `'false'`;
  const x = b.alias();
  return `IF(EXISTS(SELECT 1 FROM ${TABLE[c.entity]} ${x} WHERE ${baseWhere(b, x, c, parent)} AND ${x}.id <= ${b.param(c.afterId)}), 'true', 'false')`;
}

/** A CONCAT(...) writing one edge of the row at alias `x`. */
function edgeJson(b: Builder, x: string, kind: string, parts: Extract<ConnectionPart, { kind: 'edges' }>['fields']): string {
  const fields = parts.map((f, i) => {
    const head = lit(`${i === 0 ? '{' : ','}${JSON.stringify(f.key)}:`);
    if (f.part === 'cursor') return `${head}, '"', ${cursorSql(kind, `${x}.id`)}, '"'`;
    if (f.part === 'node') return `${head}, ${objectJson(b, x, f.object!)}`;
    return `${head}, ${lit(f.json!)}`;
  });
  return `CONCAT(${fields.join(', ')}, ${lit(fields.length ? '}' : '{}')})`;
}

/** ` AND x.id > <after>` when the page starts after a cursor. */
function afterCond(b: Builder, c: ConnectionPlan, x: string): string {
  return c.afterId !== null ? ` AND ${x}.id > ${b.param(c.afterId)}` : '';
}

/** The id of the Nth row of a parent row's page (after the cursor), or NULL when fewer than N rows follow. */
function cutoffSql(b: Builder, c: ConnectionPlan, parent: string): string {
  const x = b.alias();
  return `(SELECT ${x}.id FROM ${TABLE[c.entity]} ${x} WHERE ${baseWhere(b, x, c, parent)}${afterCond(b, c, x)} ORDER BY ${x}.id LIMIT 1 OFFSET ${c.first - 1})`;
}

/**
 * Whether a part of the connection is an aggregate of its page's rows: its
 * rows or a cursor, and at the root hasNextPage (the page's row count; under
 * a parent row it is an EXISTS of its own).
 */
function readsPage(c: ConnectionPlan, root: boolean): boolean {
  return c.parts.some(
    ({ part }) =>
      part.kind === 'nodes' ||
      part.kind === 'edges' ||
      (part.kind === 'pageInfo' && part.fields.some((f) => (root && f.part === 'hasNextPage') || f.part === 'startCursor' || f.part === 'endCursor')),
  );
}

/**
 * A connection as ONE aggregate over its page's rows (alias x): every part
 * that reads the page (rows, cursors, hasNextPage, a count the page proves)
 * is an aggregate of the same rows, so the page is read once whatever the
 * selection asks of it; counts and hasPreviousPage are scalar subqueries
 * beside them.
 *
 * - At the root (no parent row): a derived table of the first+1 rows after
 *   the cursor, in id order (first rows when neither hasNextPage nor a count
 *   to prove needs row first+1). The rows and cursors come from the first
 *   `first` (see `cut` and `numbered` below), hasNextPage from the row count
 *   (first+1 means more follow), and totalCount from the same count when the page
 *   proves it (a first page shorter than first+1 rows has read every row;
 *   connections.ts provenCount is the resolvers' side of that rule), else the
 *   count expression. The filter is evaluated once for the page, as the
 *   hand-written `LIMIT first + 1` does, instead of once for a cutoff, once
 *   for hasNextPage and once per part reading the page. Numbered rows are
 *   numbered outside the LIMIT (a window over the base table would number
 *   every matching row before the LIMIT applies).
 * - Under a parent row whose id is a bound value (User.orders of a single
 *   root: user(id), viewer): the same derived table, of the rows with that
 *   user_id, so its page too is read once.
 * - Under any other parent row (User.orders in a list; no LATERAL in
 *   MariaDB, and a derived table cannot see the parent row): the parent's
 *   rows up to the Nth id (the cutoff), with hasNextPage an EXISTS past the
 *   same cutoff.
 *
 * Without a part that reads the page, nothing reads it: the parts are counts,
 * hasPreviousPage and literals.
 */
function connectionJson(b: Builder, c: ConnectionPlan, parent: string | null): string {
  const kind = CURSOR_KIND[c.entity];
  const known = parent !== null && c.ofParentUser ? b.knownIds.get(parent) : undefined;
  // The page as a derived table of first+1 rows (at the root, or under a parent of known id).
  const root = parent === null || known !== undefined;
  // A parent row's page of 0 rows is no page at all: an aggregate over an
  // impossible WHERE (FALSE, LIMIT 0, or a range the optimizer proves empty)
  // makes MariaDB answer its correlated subqueries beside the aggregates
  // (counts, EXISTS of the parent row) as NULL/false instead of evaluating them.
  const none = parent !== null && c.first === 0;
  const paged = !none && readsPage(c, root);
  const x = b.alias();
  // Row first+1 is read only when hasNextPage or a count it may prove asks for it.
  const extra = root && wantsExtraRow(c);
  // Leaving row first+1 out of the rows and cursors: when no row's JSON reads
  // other rows, its text is cut off after `first` elements (elements joined
  // by a byte that JSON text never holds raw: JSON_QUOTE escapes it), which
  // spares the numbering (ROW_NUMBER sorts the page: ~100 us of MariaDB's CPU
  // on a 21-row page, bench/RESULTS.md); otherwise the rows are numbered, and
  // row first+1's nested subqueries never run.
  const numbered = extra && c.parts.some(({ part }) => partReadsRows(part));
  const cut = extra && !numbered;
  const inPage = (expr: string) => (numbered ? `IF(${x}.rn_ <= ${c.first}, ${expr}, NULL)` : expr);
  const list = (expr: string) =>
    cut
      ? `'[', REPLACE(COALESCE(SUBSTRING_INDEX(GROUP_CONCAT(${expr} ORDER BY ${x}.id SEPARATOR ${lit(JOIN)}), ${lit(JOIN)}, ${c.first}), ''), ${lit(JOIN)}, ','), ']'`
      : `'[', COALESCE(GROUP_CONCAT(${inPage(expr)} ORDER BY ${x}.id SEPARATOR ','), ''), ']'`;
  const out: string[] = [];
  c.parts.forEach(({ key, part }, index) => {
    out.push(lit(`${index === 0 ? '{' : ','}${JSON.stringify(key)}:`));
    switch (part.kind) {
      case 'literal':
        out.push(lit(part.json));
        break;
      case 'totalCount': {
        const counted = countJson(b, c, parent);
        out.push(paged && root && c.afterId === null ? `IF(COUNT(*) <= ${c.first}, COUNT(*), ${counted})` : counted);
        break;
      }
      case 'nodes':
        out.push(none ? `'[]'` : list(objectJson(b, x, part.object)));
        break;
      case 'edges':
        out.push(none ? `'[]'` : list(edgeJson(b, x, kind, part.fields)));
        break;
      case 'pageInfo': {
        const fields = part.fields.map((f, i) => {
          const head = lit(`${i === 0 ? '{' : ','}${JSON.stringify(f.key)}:`);
          switch (f.part) {
            case 'typename':
              return `${head}, ${lit(f.json!)}`;
            case 'hasNextPage':
              if (root && paged) return `${head}, IF(COUNT(*) > ${c.first}, 'true', 'false')`;
              // Here under a parent row (at the root hasNextPage always reads the page).
              // A page shorter than first has nothing after it: no EXISTS to run.
              return paged
                ? `${head}, IF(COUNT(*) < ${c.first}, 'false', IF(${nextExists(b, c, parent!)}, 'true', 'false'))`
                : `${head}, IF(${nextExists(b, c, parent!)}, 'true', 'false')`;
            case 'hasPreviousPage':
              return `${head}, ${hasPreviousJson(b, c, parent)}`;
            case 'startCursor':
            case 'endCursor': {
              if (none || c.first === 0) return `${head}, 'null'`;
              const id =
                cut && f.part === 'endCursor'
                  ? `SUBSTRING_INDEX(SUBSTRING_INDEX(GROUP_CONCAT(${x}.id ORDER BY ${x}.id SEPARATOR ','), ',', ${c.first}), ',', -1)`
                  : `${f.part === 'startCursor' ? 'MIN' : 'MAX'}(${inPage(`${x}.id`)})`;
              return `${head}, COALESCE(CONCAT('"', ${cursorSql(kind, id)}, '"'), 'null')`;
            }
          }
        });
        out.push(`CONCAT(${fields.join(', ')}, ${lit(fields.length ? '}' : '{}')})`);
        break;
      }
    }
  });
  out.push(lit(c.parts.length ? '}' : '{}'));
  const json = `CONCAT(${out.join(', ')})`;
  if (!paged) return json;
  // The FROM comes after the select list in the text, so its parameters are
  // pushed after the list's, and in text order.
  return `(SELECT ${json} FROM ${pageFrom(b, c, known === undefined ? parent : null, x, extra, numbered, known)})`;
}

/** Joins a page's row texts where they may be cut (connectionJson): a byte JSON text holds only escaped. */
const JOIN = '\x01';

/** Whether the part's row JSON reads other rows (a parent, items, a nested connection, aggregates of orders). */
function partReadsRows(part: ConnectionPart): boolean {
  const readsRows = (object: ObjectPlan) => object.fields.some(({ value }) => value.kind !== 'field' && value.kind !== 'literal');
  if (part.kind === 'nodes') return readsRows(part.object);
  if (part.kind === 'edges') return part.fields.some((f) => f.object !== undefined && readsRows(f.object));
  return false;
}

/** At the root: whether a part needs row first+1, which tells hasNextPage and whether the page proves totalCount. */
function wantsExtraRow(c: ConnectionPlan): boolean {
  return c.parts.some(
    ({ part }) =>
      (part.kind === 'totalCount' && c.afterId === null) || (part.kind === 'pageInfo' && part.fields.some((f) => f.part === 'hasNextPage')),
  );
}

/** `FROM` text of a connection's page rows as alias x (see connectionJson). */
function pageFrom(b: Builder, c: ConnectionPlan, parent: string | null, x: string, extra: boolean, numbered: boolean, parentId?: string): string {
  const table = TABLE[c.entity];
  if (parent !== null) {
    const where = baseWhere(b, x, c, parent);
    const after = afterCond(b, c, x);
    return `${table} ${x} WHERE ${where}${after} AND ${x}.id <= COALESCE(${cutoffSql(b, c, parent)}, ${MAX_ID.toString()})`;
  }
  const q = b.alias();
  const y = b.alias();
  const where = baseWhere(b, y, c, null, parentId);
  const after = afterCond(b, c, y);
  const page = `SELECT * FROM ${TABLE[c.entity]} ${y} WHERE ${where}${after} ORDER BY ${y}.id LIMIT ${extra ? c.first + 1 : c.first}`;
  return numbered ? `(SELECT ${q}.*, ROW_NUMBER() OVER (ORDER BY ${q}.id) AS rn_ FROM (${page}) ${q}) ${x}` : `(${page}) ${x}`;
}

/** Under a parent row: whether rows follow the page (past the cutoff; any row at all when first is 0). */
function nextExists(b: Builder, c: ConnectionPlan, parent: string): string {
  const x = b.alias();
  const where = baseWhere(b, x, c, parent);
  const after = afterCond(b, c, x);
  return c.first === 0
    ? `EXISTS(SELECT 1 FROM ${TABLE[c.entity]} ${x} WHERE ${where}${after})`
    : `EXISTS(SELECT 1 FROM ${TABLE[c.entity]} ${x} WHERE ${where}${after} AND ${x}.id > ${cutoffSql(b, c, parent)})`;
}

function rootJson(b: Builder, root: RootPlan): string {
  switch (root.kind) {
    case 'literal':
      return lit(root.json);
    case 'productCount': {
      const x = b.alias();
      return `CONCAT(${counterCount('products', root.where, b.params) ?? `(SELECT COUNT(*) FROM products ${x} WHERE ${renderConditions(root.where, x, b.params)})`})`;
    }
    case 'single': {
      const x = b.alias();
      b.knownIds.set(x, root.id);
      return `(SELECT ${objectJson(b, x, root.object)} FROM ${TABLE[root.entity]} ${x} WHERE ${singleWhere(b, x, root)})`;
    }
    case 'connection':
      return connectionJson(b, root.connection, null);
  }
}

/** The row of a single root: its id, and the row rules that make a row the viewer may not see absent. */
function singleWhere(b: Builder, x: string, root: Extract<RootPlan, { kind: 'single' }>): string {
  const id = `${x}.id = ${b.param(root.id)}`;
  return root.where.length ? `${id} AND ${renderConditions(root.where, x, b.params)}` : id;
}

/** One SELECT with a column r0, r1, ... of JSON text per root field (NULL: a single row that does not exist). */
export function compileJsonQuery(plan: OperationPlan): CompiledJsonQuery {
  const b = new Builder();
  const only = plan.roots.length === 1 ? plan.roots[0]! : null;
  if (only?.kind === 'single') {
    // One row by id: select from its table directly rather than through a
    // scalar subquery (measurably less work for the server on the hottest
    // query shape); no row means the row does not exist.
    const x = b.alias();
    b.knownIds.set(x, only.id);
    const sql = `SELECT ${objectJson(b, x, only.object)} AS r0 FROM ${TABLE[only.entity]} ${x} WHERE ${singleWhere(b, x, only)}`;
    return { sql, params: b.params, noRowIsNull: true };
  }
  const columns = plan.roots.map((root, i) => `${rootJson(b, root)} AS r${i}`);
  return { sql: `SELECT ${columns.join(', ')}`, params: b.params };
}
