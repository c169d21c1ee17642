// The compiled path's plain-rows form (issue 13): a root field read as plain
// rows, one statement per level of its response (a root page; the items of its
// orders; the first orders of each of its users), with to-one relations
// joined into their row's statement and per-row counts as its columns, the way
// the hand-written SQL reads them; the JSON is then written in Node from the
// rows (rows-run.ts). The database-built JSON of sql.ts costs MariaDB about
// 20 us per row written and two internal temporary tables per list, which on
// flat pages is most of the statement's work (bench/RESULTS.md); which form
// each root takes is forms.ts's choice. Fields, conditions and counters are
// the same definitions sql.ts reads, and every client value is a bound
// parameter here too.
import { renderConditions } from '../db/conditions.ts';
import { counterCount } from '../db/counters.ts';
import type { ValueFormat } from '../formats.ts';
import type { FieldDef } from '../fields.ts';
import { COUNTS_AS_SPENT } from '../orders/order.fields.ts';
import { readsPage, wantsExtraRow, type ConnectionPlan, type ObjectPlan, type PlanValue, type RootPlan } from './plan.ts';
import { headed, type ChildRead, type ConnShape, type RootRead, type Shape, type FieldSource, type Sql } from './rows-shape.ts';
import { CURSOR_KIND, TABLE } from './sql-text.ts';
import { Statement } from './rows-statement.ts';

function fieldColumn(st: Statement, a: string, field: FieldDef): { column: string; format: ValueFormat } {
  switch (field.kind) {
    case 'column':
      // The row's id is one column however many parts read it (the id field, cursors, child keys): each BIGINT costs mysql2 a Long to text.
      return { column: field.column === 'id' ? st.id(a) : st.column(`${a}.${field.column}`), format: field.format };
    case 'flag':
      return { column: st.column(renderConditions([field.condition], a, st.params)), format: 'boolean' };
    case 'computed':
      return { column: st.column(field.sql(a)), format: field.format };
  }
}

/** The shape of an object at alias `a` of `st`, adding its columns, joins and child reads. */
function shapeObject(st: Statement, a: string, object: ObjectPlan, knownId: string | null): Shape {
  const shape: FieldSource[] = [];
  const has = (kind: PlanValue['kind']) => object.fields.some(({ value }) => value.kind === kind);
  // orderCount and totalSpent both asked: one pass over the user's orders for both (sql.ts
  // aggregatePairJson); that of the user's first orders when they are read too and can carry them.
  let pair: string | null = null;
  let fused: { plan: ConnectionPlan; read: ChildRead; conn: ConnShape; aggregates: { count: string; spent: string } } | null = null;
  const both = has('orderCount') && has('totalSpent');
  const fusable = both ? object.fields.find(({ value }) => value.kind === 'connection' && canFuse(value.connection, knownId)) : undefined;
  if (fusable?.value.kind === 'connection') {
    const built = nestedConnection(st, a, fusable.value.connection, knownId, true);
    fused = { plan: fusable.value.connection, read: built.read!, conn: built.conn, aggregates: built.aggregates! };
  } else if (both) {
    const o = st.alias();
    const spent = renderConditions([COUNTS_AS_SPENT], o, st.params);
    pair = st.column(`(SELECT CONCAT(COUNT(*), ' ', COALESCE(SUM(IF(${spent}, ${o}.total, 0)), 0.00)) FROM orders ${o} WHERE ${o}.user_id = ${a}.id)`);
  }
  for (const { key, value } of object.fields) {
    switch (value.kind) {
      case 'field':
        shape.push({ key, kind: 'column', ...fieldColumn(st, a, value.field) });
        break;
      case 'literal':
        shape.push({ key, kind: 'literal', json: value.json });
        break;
      case 'orderCount': {
        if (fused) {
          shape.push({ key, kind: 'aggregate', read: fused.read, column: fused.aggregates.count, format: 'int' });
          break;
        }
        const o = st.alias();
        const column = pair ?? st.column(counterCount('orders', [], st.params, `${a}.id`) ?? `(SELECT COUNT(*) FROM orders ${o} WHERE ${o}.user_id = ${a}.id)`);
        shape.push({ key, kind: 'column', column, format: 'int', ...(pair ? { part: 0 as const } : {}) });
        break;
      }
      case 'totalSpent': {
        if (fused) {
          shape.push({ key, kind: 'aggregate', read: fused.read, column: fused.aggregates.spent, format: 'money' });
          break;
        }
        const o = st.alias();
        const column =
          pair ?? st.column(`(SELECT COALESCE(SUM(${o}.total), 0.00) FROM orders ${o} WHERE ${o}.user_id = ${a}.id AND ${renderConditions([COUNTS_AS_SPENT], o, st.params)})`);
        shape.push({ key, kind: 'column', column, format: 'money', ...(pair ? { part: 1 as const } : {}) });
        break;
      }
      case 'parent': {
        const p = st.alias();
        st.joins.push(`LEFT JOIN ${value.via === 'user_id' ? 'users' : 'products'} ${p} ON ${p}.id = ${a}.${value.via}`);
        const idColumn = st.id(p);
        shape.push({ key, kind: 'joined', idColumn, shape: shapeObject(st, p, value.object, null) });
        break;
      }
      case 'items': {
        const read = itemsRead(st, value.object);
        st.children.push(withKey(read, st.id(a)));
        shape.push({ key, kind: 'items', read: st.children.at(-1)!, shape: read.shape });
        break;
      }
      case 'connection': {
        const { read, conn } = fused?.plan === value.connection ? fused : nestedConnection(st, a, value.connection, knownId);
        if (read) st.children.push(read);
        shape.push({ key, kind: 'connection', read, conn });
        break;
      }
    }
  }
  return headed(shape);
}

/**
 * Whether User.orders of a user read by id can carry the user's orderCount and totalSpent: its
 * rows are all the user's orders (no status, no row rule, no cursor), read first to last.
 */
function canFuse(c: ConnectionPlan, knownId: string | null): boolean {
  return knownId !== null && c.ofParentUser && c.where.length === 0 && c.afterId === null && readsPage(c, true) && c.first + (asks(c, 'hasNextPage') ? 1 : 0) > 0;
}

type Unkeyed = Omit<ChildRead, 'keyColumn'> & { shape: Shape };
const withKey = (read: Unkeyed, keyColumn: string): ChildRead => ({ ...read, keyColumn });

/** The items of some orders, by order then product id, with their joined relations. */
function itemsRead(parent: Statement, object: ObjectPlan): Unkeyed {
  const st = parent.sub();
  const x = st.alias();
  const shape = shapeObject(st, x, object, null);
  const keyAlias = st.key();
  const select = `${x}.order_id AS ${keyAlias}, ${st.select()}`;
  const joins = st.joins.join(' ');
  return {
    shape,
    pageSize: null,
    knownKey: null,
    orderColumn: null,
    keyAlias,
    children: st.children,
    sql: (keys) => ({
      sql: `SELECT ${select} FROM order_items ${x} ${joins} WHERE ${x}.order_id IN (${keys.map(() => '?').join(', ')}) ORDER BY ${x}.order_id, ${x}.product_id`,
      params: [...st.params, ...keys],
    }),
    join: { select, params: st.params, from: (on) => `LEFT JOIN order_items ${x} ON ${x}.order_id = ${on} ${joins}`, orderBy: `${x}.product_id` },
  };
}

const asks = (c: ConnectionPlan, field: 'hasNextPage' | 'hasPreviousPage') => c.parts.some(({ part }) => part.kind === 'pageInfo' && part.fields.some((f) => f.part === field));
const asksCount = (c: ConnectionPlan) => c.parts.some(({ part }) => part.kind === 'totalCount');

/** The parts' shapes over rows of `st` at alias x. */
function shapeParts(st: Statement, x: string, c: ConnectionPlan): ConnShape['parts'] {
  const parts = c.parts.map(({ key, part }): { key: string; part: ConnShape['parts'][number]['part'] } => {
    switch (part.kind) {
      case 'nodes':
        return { key, part: { kind: 'nodes', shape: shapeObject(st, x, part.object, null) } };
      case 'edges':
        return {
          key,
          part: { kind: 'edges', fields: headed(part.fields.map((f) => (f.object ? { key: f.key, part: f.part, shape: shapeObject(st, x, f.object, null) } : { key: f.key, part: f.part, json: f.json }))) },
        };
      default:
        return { key, part };
    }
  });
  return headed(parts);
}

/**
 * User.orders of the row at alias `a` of `st`: a child read of the user's page, its count and
 * hasPreviousPage as columns of the user's row. With `fuse` (see canFuse), the read also
 * carries the user's orderCount and totalSpent.
 */
function nestedConnection(
  st: Statement,
  a: string,
  c: ConnectionPlan,
  knownId: string | null,
  fuse = false,
): { read: ChildRead | null; conn: ConnShape; aggregates?: { count: string; spent: string } | null } {
  const table = TABLE[c.entity];
  let countColumn: string | null = null;
  let previousColumn: string | null = null;
  if (asksCount(c)) {
    const o = st.alias();
    countColumn = st.column(
      counterCount(table, c.where, st.params, `${a}.id`) ?? `(SELECT COUNT(*) FROM ${table} ${o} WHERE ${o}.user_id = ${a}.id AND ${renderConditions(c.where, o, st.params)})`,
    );
  }
  if (asks(c, 'hasPreviousPage') && c.afterId !== null) {
    const o = st.alias();
    const where = renderConditions(c.where, o, st.params);
    st.params.push(c.afterId);
    previousColumn = st.column(`EXISTS(SELECT 1 FROM ${table} ${o} WHERE ${o}.user_id = ${a}.id AND ${where} AND ${o}.id <= ?)`);
  }
  const child = st.sub();
  const x = child.alias();
  const idColumn = child.id(x);
  const keyAlias = child.key();
  const parts = shapeParts(child, x, c);
  const conn: ConnShape = { kind: CURSOR_KIND[c.entity], first: c.first, afterId: c.afterId, idColumn, countColumn, previousColumn, parts };
  // Row first+1 only tells hasNextPage.
  const limit = c.first + (asks(c, 'hasNextPage') ? 1 : 0);
  if (!readsPage(c, true) || limit === 0) return { read: null, conn };
  // The user's orderCount and totalSpent from the same read of all its orders (fuse): window
  // aggregates over every row, computed before the LIMIT keeps the page.
  let aggregates: { count: string; spent: string } | null = null;
  if (fuse) {
    const spent = renderConditions([COUNTS_AS_SPENT], x, child.params);
    aggregates = { spent: child.column(`COALESCE(SUM(IF(${spent}, ${x}.total, 0)) OVER (), 0.00)`), count: child.column('COUNT(*) OVER ()') };
  }
  const select = `${x}.user_id AS ${keyAlias}, ${child.select()}`;
  const from = `FROM ${table} ${x} ${child.joins.join(' ')}`;
  const rest = (params: unknown[]) => {
    const where = renderConditions(c.where, x, params);
    if (c.afterId !== null) params.push(c.afterId);
    return `${where}${c.afterId !== null ? ` AND ${x}.id > ?` : ''}`;
  };
  const read: ChildRead = {
    keyColumn: st.id(a),
    pageSize: c.first,
    knownKey: knownId,
    orderColumn: idColumn,
    keyAlias,
    children: child.children,
    sql: (keys) => {
      const params: unknown[] = [...child.params];
      if (keys.length === 1) {
        params.push(keys[0]);
        const where = rest(params);
        return { sql: `SELECT ${select} ${from} WHERE ${x}.user_id = ? AND ${where} ORDER BY ${x}.id LIMIT ${limit}`, params };
      }
      // Each user's first rows: numbered per user over the (user_id, id) index, as the hand-written SQL does.
      params.push(...keys);
      const where = rest(params);
      const numbered = `SELECT ${select}, ROW_NUMBER() OVER (PARTITION BY ${x}.user_id ORDER BY ${x}.id) AS rn_ ${from} WHERE ${x}.user_id IN (${keys.map(() => '?').join(', ')}) AND ${where}`;
      return { sql: `SELECT * FROM (${numbered}) q WHERE q.rn_ <= ${limit} ORDER BY q.${keyAlias}, q.rn_`, params };
    },
  };
  return { read, conn, aggregates };
}

/** A root field as plain-row statements. */
export function rootRead(root: RootPlan): RootRead {
  switch (root.kind) {
    case 'literal':
      return { kind: 'literal', json: root.json };
    case 'productCount': {
      const params: unknown[] = [];
      const count = counterCount('products', root.where, params) ?? `(SELECT COUNT(*) FROM products x WHERE ${renderConditions(root.where, 'x', params)})`;
      return { kind: 'count', count: { sql: `SELECT ${count} AS n`, params } };
    }
    case 'single':
      return singleRead(root);
    case 'connection':
      return rootConnection(root.connection);
  }
}

/**
 * A row by id. The user's first orders (their key, the user's id, is known before the row is
 * read) are joined into the row's statement, and their items with them, as one statement where
 * the hand-written SQL sends two and plain rows per level three: every statement costs both
 * processes a socket write and a wake-up (bench/RESULTS.md, ClientDocument). The rows are the
 * user's columns on each of its orders' items; each level reads its own columns off them.
 */
function singleRead(root: Extract<RootPlan, { kind: 'single' }>): RootRead {
  const st = new Statement();
  const x = st.alias();
  const shape = shapeObject(st, x, root.object, root.id);
  const where = (params: unknown[]) => {
    params.push(root.id);
    return `WHERE ${x}.id = ?${root.where.length ? ` AND ${renderConditions(root.where, x, params)}` : ''}`;
  };
  const from = `FROM ${TABLE[root.entity]} ${x} ${st.joins.join(' ')}`;
  const page = st.children.find((read) => read.knownKey !== null && read.orderColumn !== null) ?? null;
  if (!page) {
    const params = [...st.params];
    return { kind: 'single', read: { sql: `SELECT ${st.select()} ${from} ${where(params)}`, params }, shape, children: st.children, joined: null };
  }
  const items = page.pageSize === null ? null : (page.children.find((read) => read.join) ?? null);
  const paged = page.sql([page.knownKey!]);
  const params = [...st.params, ...(items?.join!.params ?? [])];
  let joins: string;
  if (items) {
    // The page's rows numbered, so that the row after it (it only tells hasNextPage) joins no items.
    const rank = st.key();
    joins = `LEFT JOIN (SELECT q.*, ROW_NUMBER() OVER (ORDER BY q.${page.orderColumn}) AS ${rank} FROM (${paged.sql}) q) j ON TRUE ${items.join!.from(`j.${items.keyColumn} AND j.${rank} <= ${page.pageSize}`)}`;
  } else {
    joins = `LEFT JOIN (${paged.sql}) j ON TRUE`;
  }
  params.push(...paged.params);
  const select = `SELECT ${st.select()}, j.*${items ? `, ${items.join!.select}` : ''}`;
  const order = `ORDER BY j.${page.orderColumn}${items ? `, ${items.join!.orderBy}` : ''}`;
  const sql = `${select} ${from} ${joins} ${where(params)} ${order}`;
  return { kind: 'single', read: { sql, params }, shape, children: st.children, joined: { page, items } };
}

/** A root list: its page (first+1 rows when hasNextPage or a count the page may prove asks), its count and hasPreviousPage, read side by side. */
function rootConnection(c: ConnectionPlan): RootRead {
  const table = TABLE[c.entity];
  const st = new Statement();
  const x = st.alias();
  const idColumn = st.id(x);
  const parts = shapeParts(st, x, c);
  const conn: ConnShape = { kind: CURSOR_KIND[c.entity], first: c.first, afterId: c.afterId, idColumn, countColumn: null, previousColumn: null, parts };
  const limit = c.first + (wantsExtraRow(c) ? 1 : 0);
  let page: Sql | null = null;
  if (readsPage(c, true)) {
    const params = [...st.params];
    const where = renderConditions(c.where, x, params);
    if (c.afterId !== null) params.push(c.afterId);
    const after = c.afterId !== null ? ` AND ${x}.id > ?` : '';
    page = { sql: `SELECT ${st.select()} FROM ${table} ${x} ${st.joins.join(' ')} WHERE ${where}${after} ORDER BY ${x}.id LIMIT ${limit}`, params };
  }
  let count: Sql | null = null;
  let previous: Sql | null = null;
  if (asksCount(c)) {
    const params: unknown[] = [];
    const counted = counterCount(table, c.where, params) ?? `(SELECT COUNT(*) FROM ${table} y WHERE ${renderConditions(c.where, 'y', params)})`;
    count = { sql: `SELECT ${counted} AS n`, params };
  }
  if (asks(c, 'hasPreviousPage') && c.afterId !== null) {
    // Whether a row of the list lies at or before the cursor; beside the count, in its statement.
    const params: unknown[] = [...(count?.params ?? [])];
    const where = renderConditions(c.where, 'y', params);
    params.push(c.afterId);
    const exists = `EXISTS(SELECT 1 FROM ${table} y WHERE ${where} AND y.id <= ?) AS e`;
    if (count) count = { sql: `${count.sql}, ${exists}`, params };
    else previous = { sql: `SELECT ${exists}`, params };
  }
  return { kind: 'connection', page, count, countAfterPage: page !== null && count !== null && c.afterId === null, previous, conn, children: st.children };
}
