// The compiled search box (issue 13) does no more database work than the two
// statements a careful hand-written server runs for it: the page with
// LIMIT first + 1, and a COUNT(*) only when the page does not prove the count
// (a cursor, or first + 1 rows). Rows read are MariaDB's own figures for the
// test database (information_schema.TABLE_STATISTICS, the bench's rows-read
// helper bench/rows.ts: rows of the tables, not of the server's temporary
// tables), read before and after each statement on the connection that ran it,
// for empty, one, exactly first, first + 1 and many matches, with and without
// `after`. Both paths answer alike, and the resolvers skip the count
// statement when the page proves it.
import { buildSchema, parse } from 'graphql';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_BOX } from '../bench/operations.ts';
import { enableUserStatistics, rowsDelta, rowsRead, type RowsRead } from '../bench/rows.ts';
import { buildPlan } from '../src/compiled/plan-query.ts';
import { compileJsonQuery } from '../src/compiled/sql.ts';
import { rootRead } from '../src/compiled/rows-sql.ts';
import { readRoot } from '../src/compiled/rows-run.ts';
import type { SqlSession } from '../src/db/direct.ts';
import { configWith, type Config } from '../src/config.ts';
import { encodeCursor } from '../src/connections.ts';
import { typeDefs } from '../src/schema.ts';
import { ANONYMOUS } from '../src/viewer.ts';
import { createTestDatabase, sqlConnection, testServerUrl } from './support/db.ts';
import { errorsByPath, startTestServer, type TestServer } from './support/server.ts';

const FIRST = 20;
const PRODUCTS = 600;
/** The cursor of the with-`after` cases: the product at this position (1-based id). */
const CURSOR_AT = 200;

// Each word is in the names of exactly `before` products at or before the
// cursor and `after` products past it, spread over the table.
const WORDS = {
  nothing: { before: 0, after: 0 },
  kappa: { before: 1, after: 0 },
  lambda: { before: 8, after: 12 }, // 20: exactly first
  sigma: { before: 10, after: 11 }, // 21: first + 1
  omega: { before: 60, after: 90 }, // 150: many
  chi: { before: 3, after: 0 }, // after the cursor: none
  rho: { before: 2, after: 1 }, // after the cursor: one
  tau: { before: 2, after: 20 }, // after the cursor: exactly first
  phi: { before: 2, after: 21 }, // after the cursor: first + 1
  psi: { before: 5, after: 150 }, // after the cursor: many
} as const;
type Word = keyof typeof WORDS;

let config: Config;
let conn: mysql.Connection;
/** The default compiled path (COMPILED_FORM=auto: this list as plain rows). */
let compiled: TestServer;
/** Every root in one statement of database-built JSON (COMPILED_FORM=json). */
let jsonForm: TestServer;
let resolvers: TestServer;
let restoreStats: (() => Promise<void>) | undefined;
const schema = buildSchema(typeDefs);

/** Positions 1..PRODUCTS: a word per product, or none. */
function layout(): (Word | null)[] {
  const names: (Word | null)[] = Array.from({ length: PRODUCTS + 1 }, () => null);
  const place = (word: Word, n: number, from: number, to: number) => {
    for (let i = 0; i < n; i++) {
      let at = from + Math.floor((i * (to - from + 1)) / n);
      while (names[at] !== null) at = at === to ? from : at + 1;
      names[at] = word;
    }
  };
  for (const [word, { before, after }] of Object.entries(WORDS) as [Word, { before: number; after: number }][]) {
    place(word, before, 1, CURSOR_AT);
    place(word, after, CURSOR_AT + 1, PRODUCTS);
  }
  return names;
}

beforeAll(async () => {
  config = await createTestDatabase('plan_work');
  conn = await sqlConnection(config);
  const names = layout();
  const values = names.slice(1).map((word, i) => `(${i + 1}, 'SKU-${i + 1}', 'Widget ${word ?? 'plain'} ${i + 1}', ${10 + (i % 7)}.50, ${i % 5 === 0 ? 0 : 5})`);
  await conn.query(`INSERT INTO products (id, sku, name, price, stock) VALUES ${values.join(', ')}`);
  restoreStats = (await enableUserStatistics(testServerUrl().toString()))?.restore;
  compiled = await startTestServer(config);
  jsonForm = await startTestServer(configWith(config, { compiledForm: 'json' }));
  resolvers = await startTestServer(configWith(config, { compiledQueries: false }));
});

afterAll(async () => {
  await compiled?.close();
  await jsonForm?.close();
  await resolvers?.close();
  await conn?.end();
  await restoreStats?.();
});

/** Rows of the test database's tables that the statement read, and its rows. */
async function measured(text: string, params: unknown[]): Promise<{ rows: number; result: any[] }> {
  const before = await rowsRead(conn, config.database.name);
  const [result] = await conn.query(text, params);
  const delta = rowsDelta(before, await rowsRead(conn, config.database.name));
  if (!delta) throw new Error('user statistics (userstat) are off or were flushed meanwhile: no rows-read figures');
  return { rows: delta.total, result: result as any[] };
}

interface SearchVars {
  search: string;
  inStock?: boolean;
  minPrice?: string;
  after?: string;
}

/**
 * What a careful hand-written server runs for the search box (bench/baseline-lists.ts):
 * the page with LIMIT first + 1, then COUNT(*) only when the page does not prove it.
 */
async function handWritten(vars: SearchVars): Promise<{ rows: number; statements: number; answer: unknown }> {
  const where = ["(name LIKE ? ESCAPE '!' OR sku LIKE ? ESCAPE '!')"];
  const params: unknown[] = [`%${vars.search}%`, `%${vars.search}%`];
  if (vars.inStock) where.push('stock > 0');
  if (vars.minPrice) (where.push('price >= ?'), params.push(vars.minPrice));
  const afterId = vars.after ? Buffer.from(vars.after, 'base64url').toString().split(':')[1]! : null;
  const pageWhere = afterId ? [...where, 'id > ?'] : where;
  const page = await measured(`SELECT id, name, price, stock FROM products WHERE ${pageWhere.join(' AND ')} ORDER BY id LIMIT ${FIRST + 1}`, afterId ? [...params, afterId] : params);
  const nodes = page.result.slice(0, FIRST);
  let rows = page.rows;
  let totalCount = nodes.length;
  let statements = 1;
  if (afterId || page.result.length > FIRST) {
    const count = await measured(`SELECT COUNT(*) AS n FROM products WHERE ${where.join(' AND ')}`, params);
    rows += count.rows;
    totalCount = Number(count.result[0].n);
    statements++;
  }
  const last = nodes[nodes.length - 1];
  return {
    rows,
    statements,
    answer: {
      totalCount,
      pageInfo: { hasNextPage: page.result.length > FIRST, endCursor: last ? encodeCursor('Product', String(last.id)) : null },
      nodes: nodes.map((n: any) => ({ id: String(n.id), name: n.name, price: String(n.price), stock: Number(n.stock) })),
    },
  };
}

/** The bench's search box document, with `after` (the bench sends first pages only). */
const SEARCH_WITH_AFTER = SEARCH_BOX.replace('$minPrice: Decimal)', '$minPrice: Decimal, $after: String)').replace('first: 20,', 'first: 20, after: $after,');

function searchPlan(vars: SearchVars) {
  const plan = buildPlan(schema, parse(SEARCH_WITH_AFTER), null, { ...vars }, ANONYMOUS);
  if (!plan) throw new Error('the search box did not plan');
  return plan;
}

/** The compiled statement of the search box (database-built JSON), run on the test's connection. */
async function compiledStatement(vars: SearchVars): Promise<{ rows: number; answer: unknown }> {
  const query = compileJsonQuery(searchPlan(vars));
  const { rows, result } = await measured(query.sql, query.params);
  return { rows, answer: JSON.parse(result[0].r0) };
}

/** The search box as plain rows (rows-sql.ts), its statements run on the test's connection, their rows read added up. */
async function plainRows(vars: SearchVars): Promise<{ rows: number; statements: number; answer: unknown }> {
  let rows = 0;
  let statements = 0;
  // One statement at a time on the test's connection, so each one's rows-read figures are its own.
  let queue: Promise<unknown> = Promise.resolve();
  const session: SqlSession = {
    executeQuery(query) {
      const next = queue.then(async () => {
        const { rows: read, result } = await measured(query.sql, [...query.parameters]);
        rows += read;
        statements++;
        return { rows: result } as never;
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
  const json = await readRoot(session, rootRead(searchPlan(vars).roots[0]!), false);
  return { rows, statements, answer: JSON.parse(json!) };
}

const afterCursor = encodeCursor('Product', String(CURSOR_AT));
const CASES: { name: string; vars: SearchVars; matches: number }[] = [
  { name: 'no match', vars: { search: 'nothing' }, matches: 0 },
  { name: 'one match', vars: { search: 'kappa' }, matches: 1 },
  { name: 'exactly first', vars: { search: 'lambda' }, matches: 20 },
  { name: 'first + 1', vars: { search: 'sigma' }, matches: 21 },
  { name: 'many', vars: { search: 'omega' }, matches: 150 },
  { name: 'many, in stock, from a price', vars: { search: 'omega', inStock: true, minPrice: '11.00' }, matches: -1 },
  { name: 'none after the cursor', vars: { search: 'chi', after: afterCursor }, matches: 0 },
  { name: 'one after the cursor', vars: { search: 'rho', after: afterCursor }, matches: 1 },
  { name: 'exactly first after the cursor', vars: { search: 'tau', after: afterCursor }, matches: 20 },
  { name: 'first + 1 after the cursor', vars: { search: 'phi', after: afterCursor }, matches: 21 },
  { name: 'many after the cursor', vars: { search: 'psi', after: afterCursor }, matches: 150 },
  { name: 'many after the cursor, in stock, from a price', vars: { search: 'psi', inStock: true, minPrice: '12.00', after: afterCursor }, matches: -1 },
];

describe('the search box reads no more rows than the hand-written page + count', () => {
  for (const { name, vars, matches } of CASES) {
    it(name, async () => {
      const reference = await handWritten(vars);
      const ours = await compiledStatement(vars);
      const rows = await plainRows(vars);
      expect(ours.answer).toEqual(reference.answer);
      expect(rows.answer).toEqual(reference.answer);
      if (matches >= 0) expect((reference.answer as any).nodes.length).toBe(Math.min(matches, FIRST));
      // The hand-written pair reads the products at least once per evaluation of the filter.
      expect(reference.rows).toBeGreaterThan(0);
      expect(ours.rows).toBeLessThanOrEqual(reference.rows);
      // As plain rows: the same statements as the hand-written pair, the same rows.
      expect(rows.statements).toBe(reference.statements);
      expect(rows.rows).toBe(reference.rows);
    });
  }

  it('a first page that proves its count reads the table once (the old statement read it at least twice)', async () => {
    const ours = await compiledStatement({ search: 'kappa' });
    expect(ours.rows).toBeLessThanOrEqual(PRODUCTS + 1);
    const full = await compiledStatement({ search: 'omega' });
    // page (up to the 21st match) + the count (every product)
    expect(full.rows).toBeLessThan(2 * PRODUCTS);
  });
});

describe('both paths answer alike, and the resolvers count only when the page does not prove it', () => {
  const DOCUMENT = `query($search: String!, $after: String, $first: Int) {
    products(first: $first, after: $after, filter: { search: $search }) {
      __typename totalCount
      edges { __typename cursor node { id name } }
      nodes { id sku }
      pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      again: totalCount
    }
  }`;

  for (const { name, vars } of CASES) {
    it(name, async () => {
      for (const first of [FIRST, 0, 1]) {
        const variables = { ...vars, first };
        const a = await compiled.countStatements(() => compiled.gql(DOCUMENT, variables));
        const j = await jsonForm.countStatements(() => jsonForm.gql(DOCUMENT, variables));
        const b = await resolvers.countStatements(() => resolvers.gql(DOCUMENT, variables));
        expect(JSON.stringify(errorsByPath(a.result.body))).toBe(JSON.stringify(errorsByPath(b.result.body)));
        expect(JSON.stringify(errorsByPath(j.result.body))).toBe(JSON.stringify(errorsByPath(b.result.body)));
        expect(a.result.body.errors).toBeUndefined();
        expect(j.statements).toBe(1);
        const connection = b.result.body.data.products;
        // The page, then a count only when the page does not prove it (hasPreviousPage, after a cursor, shares its statement).
        const proven = !vars.after && !connection.pageInfo.hasNextPage;
        expect(b.statements).toBe(proven ? 1 : 2);
        expect(a.statements).toBe(proven ? 1 : 2);
      }
    });
  }

  it('the bench document too, and a page that needs no row first + 1 (no hasNextPage, no count to prove)', async () => {
    const rowsOnly = `query($search: String!, $after: String, $first: Int) {
      products(first: $first, after: $after, filter: { search: $search }) { nodes { id } edges { cursor } pageInfo { startCursor endCursor hasPreviousPage } }
    }`;
    for (const { vars } of CASES) {
      for (const [document, variables] of [[SEARCH_WITH_AFTER, vars], [rowsOnly, { ...vars, first: FIRST }], [rowsOnly, { ...vars, first: 1 }]] as const) {
        const a = await compiled.gql(document, { ...variables });
        const b = await resolvers.gql(document, { ...variables });
        expect(a.body).toEqual(b.body);
        expect(a.body.errors).toBeUndefined();
      }
    }
  });
});
