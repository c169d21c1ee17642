// Runs a root field's plain-row statements (rows-sql.ts) and writes its JSON
// in Node: the root's statements side by side, then each level's child reads
// (all of a level at once, their keys from the level above), then one walk
// of the shapes writing the text, with the same formats (formats.ts json) and
// cursors (connections.ts) the resolvers serialize through.
import { CompiledQuery } from 'kysely';
import { encodeCursor, provenCount, toPage } from '../connections.ts';
import type { SqlSession } from '../db/direct.ts';
import { PREPARED } from '../db/statement.ts';
import { FORMATS } from '../formats.ts';
import { bindParams } from './compile-cache.ts';
import type { ChildRead, ConnShape, RootRead, Shape, Sql } from './rows-shape.ts';

type Row = Record<string, unknown>;
/** Each child read's rows by key. */
type Fetched = Map<ChildRead, Map<string, Row[]>>;

/**
 * The root field's JSON text, or null for a single root whose row does not
 * exist. `prepared`: send fixed-text statements as prepared statements (a
 * child read's IN list changes its text with the number of keys, so those go
 * as text: they would churn the connection's statement cache). `values`: the
 * request's values, when the statements were compiled for stand-ins of them
 * (compile-cache.ts).
 */
export async function readRoot(db: SqlSession, read: RootRead, prepared: boolean, values?: readonly unknown[]): Promise<string | null> {
  const run = (sql: Sql, fixed: boolean) =>
    db.executeQuery<Row>(CompiledQuery.raw(prepared && fixed ? PREPARED + sql.sql : sql.sql, bindParams(sql.params, values))).then((result) => result.rows);
  const fetched: Fetched = new Map();
  switch (read.kind) {
    case 'literal':
      return read.json;
    case 'count': {
      const [row] = await run(read.count, true);
      return String(Number(row?.n));
    }
    case 'single': {
      // Side by side, and awaited together: a failure of either is the answer's, none is left unhandled.
      const [rows] = await Promise.all([run(read.read, true), knownReads(read.children, fetched, run)]);
      if (rows.length === 0) return null;
      await readChildren(read.children, rows, fetched, run);
      return writeObject(read.shape, rows[0]!, fetched);
    }
    case 'connection': {
      const { conn } = read;
      const [rows, counted, previous] = await Promise.all([
        read.page ? run(read.page, true) : [],
        read.count && !read.countAfterPage ? run(read.count, true) : null,
        read.previous ? run(read.previous, true) : null,
      ]);
      let count: number | null = null;
      let before = previous ? Number(previous[0]?.e) !== 0 : false;
      if (read.count) {
        // A first page with room to spare holds every row of the list.
        count = read.countAfterPage ? provenCount(toPage(rows, conn.first), conn.afterId) : null;
        if (count === null) {
          const [row] = counted ?? (await run(read.count, true));
          count = Number(row?.n);
          if (!previous) before = Number(row?.e ?? 0) !== 0;
        }
      }
      await readChildren(read.children, rows.slice(0, conn.first), fetched, run);
      return writeConnection(conn, rows, count, before, fetched);
    }
  }
}

type Run = (sql: Sql, fixed: boolean) => Promise<Row[]>;

/** Child reads whose key is known before their parent row is read, started now (User.orders of user(id)). */
function knownReads(reads: readonly ChildRead[], fetched: Fetched, run: Run): Promise<unknown> {
  return Promise.all(
    reads.filter((r) => r.knownKey !== null).map(async (r) => fetched.set(r, group(await run(r.sql([r.knownKey!]), true)))),
  );
}

function group(rows: Row[]): Map<string, Row[]> {
  const byKey = new Map<string, Row[]>();
  for (const row of rows) {
    const key = String(row.k_);
    const list = byKey.get(key);
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  return byKey;
}

/** Reads the children of these rows (all at once), then theirs. */
async function readChildren(reads: readonly ChildRead[], rows: Row[], fetched: Fetched, run: Run): Promise<void> {
  if (reads.length === 0 || rows.length === 0) return;
  await Promise.all(
    reads.map(async (read) => {
      let byKey = fetched.get(read);
      if (!byKey) {
        const keys = [...new Set(rows.map((row) => row[read.keyColumn]).filter((key) => key !== null && key !== undefined).map(String))];
        if (keys.length === 0) return;
        byKey = group(await run(read.sql(keys), keys.length === 1));
        fetched.set(read, byKey);
      }
      if (read.children.length === 0) return;
      const below: Row[] = [];
      for (const list of byKey.values()) below.push(...(read.pageSize === null ? list : list.slice(0, read.pageSize)));
      await readChildren(read.children, below, fetched, run);
    }),
  );
}

function writeObject(shape: Shape, row: Row, fetched: Fetched): string {
  let out = '{';
  for (const field of shape) {
    out += field.head;
    switch (field.kind) {
      case 'column': {
        let value = row[field.column];
        if (value === null || value === undefined) out += 'null';
        else {
          if (field.part !== undefined) value = String(value).split(' ')[field.part];
          out += field.format === 'boolean' ? (Number(value) !== 0 ? 'true' : 'false') : FORMATS[field.format].json(value);
        }
        break;
      }
      case 'literal':
        out += field.json;
        break;
      case 'aggregate': {
        const value = fetched.get(field.read)?.get(String(row[field.read.keyColumn]))?.[0]?.[field.column];
        out += value === undefined || value === null ? (field.format === 'int' ? '0' : '"0.00"') : FORMATS[field.format].json(value);
        break;
      }
      case 'joined':
        out += row[field.idColumn] === null || row[field.idColumn] === undefined ? 'null' : writeObject(field.shape, row, fetched);
        break;
      case 'items':
        out += writeList(field.shape, fetched.get(field.read)?.get(String(row[field.read.keyColumn])) ?? [], fetched);
        break;
      case 'connection': {
        const { conn, read } = field;
        const rows = read ? (fetched.get(read)?.get(String(row[read.keyColumn])) ?? []) : [];
        const count = conn.countColumn === null ? null : Number(row[conn.countColumn]);
        const before = conn.previousColumn === null ? false : Number(row[conn.previousColumn]) !== 0;
        out += writeConnection(conn, rows, count, before, fetched);
        break;
      }
    }
  }
  return `${out}}`;
}

function writeList(shape: Shape, rows: readonly Row[], fetched: Fetched): string {
  let out = '[';
  for (let i = 0; i < rows.length; i++) out += (i === 0 ? '' : ',') + writeObject(shape, rows[i]!, fetched);
  return `${out}]`;
}

/** A connection over its rows (first+1 at most): the page is the first `first`, a further row means a next page. */
function writeConnection(conn: ConnShape, rows: Row[], count: number | null, before: boolean, fetched: Fetched): string {
  const { rows: page, hasNextPage } = toPage(rows, conn.first);
  const cursor = (row: Row | undefined) => (row ? `"${encodeCursor(conn.kind, String(row[conn.idColumn]))}"` : 'null');
  let out = '{';
  for (const { head, part } of conn.parts) {
    out += head;
    switch (part.kind) {
      case 'literal':
        out += part.json;
        break;
      case 'totalCount':
        out += String(count);
        break;
      case 'nodes':
        out += writeList(part.shape, page, fetched);
        break;
      case 'edges': {
        out += '[';
        for (let i = 0; i < page.length; i++) {
          const row = page[i]!;
          out += i === 0 ? '{' : ',{';
          for (const f of part.fields) {
            out += f.head;
            out += f.part === 'cursor' ? cursor(row) : f.part === 'node' ? writeObject(f.shape!, row, fetched) : f.json!;
          }
          out += '}';
        }
        out += ']';
        break;
      }
      case 'pageInfo': {
        const fields = part.fields.map((f) => {
          const head = JSON.stringify(f.key);
          switch (f.part) {
            case 'typename':
              return `${head}:${f.json!}`;
            case 'hasNextPage':
              return `${head}:${hasNextPage}`;
            case 'hasPreviousPage':
              return `${head}:${conn.afterId !== null && before}`;
            case 'startCursor':
              return `${head}:${cursor(page[0])}`;
            case 'endCursor':
              return `${head}:${cursor(page.at(-1))}`;
          }
        });
        out += `{${fields.join(',')}}`;
        break;
      }
    }
  }
  return `${out}}`;
}
