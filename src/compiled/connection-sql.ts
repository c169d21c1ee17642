// A connection (users, orders, products, User.orders) as SQL writing its JSON,
// for the compiled statement of sql.ts: its rows read once as a page, with
// cursors, pageInfo and totalCount from the same page where it proves them
// (connectionJson). The rows' own JSON is written by sql.ts (objectJson,
// handed in), so the two writers do not import each other.
import { renderConditions } from '../db/conditions.ts';
import { counterCount } from '../db/counters.ts';
import { MAX_ID } from '../values.ts';
import { readsPage, wantsExtraRow, type ConnectionPart, type ConnectionPlan, type ObjectPlan } from './plan.ts';
import { Builder, CURSOR_KIND, TABLE, cursorSql, lit } from './sql-text.ts';

/** Writes one object's JSON for the row at alias `a` (sql.ts objectJson). */
export type ObjectJson = (b: Builder, a: string, object: ObjectPlan) => string;

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
function edgeJson(b: Builder, x: string, kind: string, objectJson: ObjectJson, parts: Extract<ConnectionPart, { kind: 'edges' }>['fields']): string {
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
export function connectionJson(b: Builder, c: ConnectionPlan, parent: string | null, objectJson: ObjectJson): string {
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
        out.push(none ? `'[]'` : list(edgeJson(b, x, kind, objectJson, part.fields)));
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
