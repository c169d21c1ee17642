// Runs a root field's plain-row statements (rows-sql.ts) and has its JSON
// written from the rows (rows-write.ts): the root's statements side by side,
// the levels joined into a row's statement taken off its rows, then each
// level's child reads (all of a level at once, their keys from the level
// above).
import { CompiledQuery } from 'kysely';
import { provenCount, toPage } from '../connections.ts';
import type { SqlSession } from '../db/direct.ts';
import { PREPARED } from '../db/statement.ts';
import { bindParams } from './compile-cache.ts';
import type { ChildRead, RootRead, Sql } from './rows-shape.ts';
import { writeConnection, writeObject, type Fetched, type Row } from './rows-write.ts';

/**
 * The root field's JSON text, or null for a single root whose row does not
 * exist. `prepared`: send fixed-text statements as prepared statements (a
 * child read's IN list changes its text with the number of keys, so those go
 * as text: they would churn the connection's statement cache). `values`: the
 * request's values, when the statements were compiled for stand-ins of them
 * (compile-cache.ts).
 */
export async function readRoot(db: SqlSession, read: RootRead, prepared: boolean, values?: readonly unknown[]): Promise<string | null> {
  const statements = new RootStatements(db, prepared, values);
  const fetched: Fetched = new Map();
  switch (read.kind) {
    case 'literal':
      return read.json;
    case 'count': {
      const [row] = await statements.send(read.count, true);
      return String(Number(row?.n));
    }
    case 'single': {
      // Side by side, and awaited together: a failure of either is the answer's, none is left unhandled.
      const joined = read.joined;
      const others = joined ? read.children.filter((child) => child !== joined.page) : read.children;
      const [rows] = await Promise.all([statements.send(read.read, true), knownReads(others, fetched, statements)]);
      if (rows.length === 0) return null;
      // The joined levels' rows: those with their key (a user without orders has one row, its
      // keys null), the page's rows once each (a row per item repeats its order).
      if (joined) {
        fetched.set(joined.page, group(once(rows, joined.page.orderColumn!), joined.page.keyAlias));
        if (joined.items) fetched.set(joined.items, group(rows, joined.items.keyAlias));
      }
      if (read.children.length > 0) await readChildren(read.children, rows, fetched, statements);
      return writeObject(read.shape, rows[0]!, fetched);
    }
    case 'connection': {
      const { conn } = read;
      const early = read.count && !read.countAfterPage;
      // The page alone (most lists: the count waits for the page, which may prove it) is awaited
      // without Promise.all around it: every promise costs the request scope's hooks on Node 20.
      const [rows, counted, previous] = !early && !read.previous && read.page
        ? [await statements.send(read.page, true), null, null]
        : await Promise.all([
            read.page ? statements.send(read.page, true) : [],
            early ? statements.send(read.count!, true) : null,
            read.previous ? statements.send(read.previous, true) : null,
          ]);
      let count: number | null = null;
      let before = previous ? Number(previous[0]?.e) !== 0 : false;
      if (read.count) {
        // A first page with room to spare holds every row of the list.
        count = read.countAfterPage ? provenCount(toPage(rows, conn.first), conn.afterId) : null;
        if (count === null) {
          const [row] = counted ?? (await statements.send(read.count, true));
          count = Number(row?.n);
          if (!previous) before = Number(row?.e ?? 0) !== 0;
        }
      }
      if (read.children.length > 0 && rows.length > 0) await readChildren(read.children, rows.slice(0, conn.first), fetched, statements);
      return writeConnection(conn, rows, count, before, fetched);
    }
  }
}

/**
 * Sends a root's statements: `fixed` ones (their text does not change with the number of keys)
 * as prepared statements when `prepared`, with the request's values bound. A class rather than a
 * closure per root read: tsx's keepNames would name each closure as it is made (ARCHITECTURE.md).
 */
class RootStatements {
  constructor(
    private readonly db: SqlSession,
    private readonly prepared: boolean,
    private readonly values: readonly unknown[] | undefined,
  ) {}

  send(sql: Sql, fixed: boolean): Promise<Row[]> {
    const text = this.prepared && fixed ? PREPARED + sql.sql : sql.sql;
    return this.db.executeQuery<Row>(CompiledQuery.raw(text, bindParams(sql.params, this.values))).then((result) => result.rows);
  }
}

/** Child reads whose key is known before their parent row is read, started now (User.orders of user(id)). */
function knownReads(reads: readonly ChildRead[], fetched: Fetched, statements: RootStatements): Promise<unknown> {
  return Promise.all(
    reads.filter((r) => r.knownKey !== null).map(async (r) => fetched.set(r, group(await statements.send(r.sql([r.knownKey!]), true), r.keyAlias))),
  );
}

/** Rows by their key (column `keyAlias`); rows without one are left out. */
function group(rows: Row[], keyAlias: string): Map<string, Row[]> {
  const byKey = new Map<string, Row[]>();
  for (const row of rows) {
    const value = row[keyAlias];
    if (value === null || value === undefined) continue;
    const key = String(value);
    const list = byKey.get(key);
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  return byKey;
}

/** The first of each run of rows with the same `column` (rows in that column's order). */
function once(rows: Row[], column: string): Row[] {
  return rows.filter((row, i) => i === 0 || row[column] !== rows[i - 1]![column]);
}

/** Reads the children of these rows (all at once), then theirs. */
async function readChildren(reads: readonly ChildRead[], rows: Row[], fetched: Fetched, statements: RootStatements): Promise<void> {
  if (reads.length === 0 || rows.length === 0) return;
  await Promise.all(
    reads.map(async (read) => {
      let byKey = fetched.get(read);
      if (!byKey) {
        const keys = [...new Set(rows.map((row) => row[read.keyColumn]).filter((key) => key !== null && key !== undefined).map(String))];
        if (keys.length === 0) return;
        byKey = group(await statements.send(read.sql(keys), keys.length === 1), read.keyAlias);
        fetched.set(read, byKey);
      }
      if (read.children.length === 0) return;
      const below: Row[] = [];
      for (const list of byKey.values()) below.push(...(read.pageSize === null ? list : list.slice(0, read.pageSize)));
      await readChildren(read.children, below, fetched, statements);
    }),
  );
}
