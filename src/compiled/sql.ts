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
import type { ObjectPlan, OperationPlan, PlanValue, RootPlan } from './plan.ts';
import { renderConditions } from '../db/conditions.ts';
import { counterCount } from '../db/counters.ts';
import { connectionJson } from './connection-sql.ts';
import { Builder, TABLE, lit } from './sql-text.ts';

export interface CompiledJsonQuery {
  readonly sql: string;
  readonly params: unknown[];
  /**
   * True when the statement returns no row at all for a single root whose row
   * does not exist (the one-root form below); otherwise it always returns one row.
   */
  readonly noRowIsNull?: boolean;
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
      return connectionJson(b, value.connection, a, objectJson);
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
      return connectionJson(b, root.connection, null, objectJson);
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
