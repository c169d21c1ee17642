// Writes a root field's JSON from its plain rows (rows-run.ts reads them):
// each object from its shape, each connection from its rows (first+1 at
// most), with the same formats (formats.ts json) and cursors (connections.ts)
// the resolvers serialize through.
//
// Two writers of one text. The walk below reads any shape; for a shape the
// compile cache keeps (compile-cache.ts), keepWriters generates a function
// per object and connection with every key, column and format fixed in its
// code, so a request writes its rows with direct property loads and no
// switch per field (under Dashboard load the walk cost the gateway ~2 ms per
// request; bench/RESULTS.md). Only names the planner made (column aliases,
// GraphQL keys) and constants of the plan reach the generated code, each as a
// JSON string literal; values come only from rows at run time.
import { encodeCursor, toPage } from '../connections.ts';
import { FORMATS } from '../formats.ts';
import type { ChildRead, ConnShape, RootRead, Shape, ShapeField } from './rows-shape.ts';

export type Row = Record<string, unknown>;
/** Each child read's rows by key. */
export type Fetched = Map<ChildRead, Map<string, Row[]>>;

type ObjectWriter = (row: Row, fetched: Fetched) => string;
type ConnectionWriter = (rows: Row[], count: number | null, before: boolean, fetched: Fetched) => string;

const objectWriters = new WeakMap<Shape, ObjectWriter>();
const connectionWriters = new WeakMap<ConnShape, ConnectionWriter>();
const NO_ROWS: Row[] = [];

/** A column's value as JSON; `part` picks one of two space-separated values (a count and a sum read in one pass). */
function columnJson(field: Extract<ShapeField, { kind: 'column' }>, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (field.part !== undefined) value = String(value).split(' ')[field.part];
  return field.format === 'boolean' ? (Number(value) !== 0 ? 'true' : 'false') : FORMATS[field.format].json(value);
}

/** An aggregate read with a child read (window aggregates over its rows): zero when the row has none. */
function aggregateJson(format: 'int' | 'money', value: unknown): string {
  return value === undefined || value === null ? (format === 'int' ? '0' : '"0.00"') : FORMATS[format].json(value);
}

const childRows = (fetched: Fetched, read: ChildRead, row: Row): Row[] => fetched.get(read)?.get(String(row[read.keyColumn])) ?? NO_ROWS;

export function writeObject(shape: Shape, row: Row, fetched: Fetched): string {
  const generated = objectWriters.get(shape);
  if (generated) return generated(row, fetched);
  let out = '{';
  for (const field of shape) {
    out += field.head;
    switch (field.kind) {
      case 'column':
        out += columnJson(field, row[field.column]);
        break;
      case 'literal':
        out += field.json;
        break;
      case 'aggregate':
        out += aggregateJson(field.format, childRows(fetched, field.read, row)[0]?.[field.column]);
        break;
      case 'joined':
        out += row[field.idColumn] === null || row[field.idColumn] === undefined ? 'null' : writeObject(field.shape, row, fetched);
        break;
      case 'items':
        out += writeList(field.shape, childRows(fetched, field.read, row), fetched);
        break;
      case 'connection': {
        const { conn, read } = field;
        const count = conn.countColumn === null ? null : Number(row[conn.countColumn]);
        const before = conn.previousColumn === null ? false : Number(row[conn.previousColumn]) !== 0;
        out += writeConnection(conn, read ? childRows(fetched, read, row) : NO_ROWS, count, before, fetched);
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

const cursorJson = (conn: ConnShape, row: Row | undefined) => (row ? `"${encodeCursor(conn.kind, String(row[conn.idColumn]))}"` : 'null');

/** A connection over its rows (first+1 at most): the page is the first `first`, a further row means a next page. */
export function writeConnection(conn: ConnShape, rows: Row[], count: number | null, before: boolean, fetched: Fetched): string {
  const generated = connectionWriters.get(conn);
  if (generated) return generated(rows, count, before, fetched);
  const { rows: page, hasNextPage } = toPage(rows, conn.first);
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
            out += f.part === 'cursor' ? cursorJson(conn, row) : f.part === 'node' ? writeObject(f.shape!, row, fetched) : f.json!;
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
              return `${head}:${cursorJson(conn, page[0])}`;
            case 'endCursor':
              return `${head}:${cursorJson(conn, page.at(-1))}`;
          }
        });
        out += `{${fields.join(',')}}`;
        break;
      }
    }
  }
  return `${out}}`;
}

/** Generated code: its text, and the values it refers to as K[i]. */
class Code {
  readonly lines: string[] = [];
  readonly refs: unknown[] = [];
  #text = '';
  ref(value: unknown): string {
    this.refs.push(value);
    return `k${this.refs.length - 1}`;
  }
  /** Appends constant text to the output (merged with the constant text before it). */
  text(s: string): void {
    this.#text += s;
  }
  /** Appends an expression's value to the output. */
  value(expr: string): void {
    this.flush();
    this.lines.push(`out += ${expr};`);
  }
  flush(): void {
    if (this.#text) this.lines.push(`out += ${JSON.stringify(this.#text)};`);
    this.#text = '';
  }
  build<F>(params: string, prelude: string[] = []): F {
    this.flush();
    const refs = this.refs.map((_, i) => `const k${i} = K[${i}];`).join('\n');
    const body = `"use strict";\n${refs}\nreturn function (${params}) {\nlet v; let out = '';\n${[...prelude, ...this.lines].join('\n')}\nreturn out;\n};`;
    return new Function('K', body)(this.refs) as F;
  }
}

/** A list of rows, each written by `write`. */
function writeRows(write: ObjectWriter, rows: readonly Row[], fetched: Fetched): string {
  let out = '[';
  for (let i = 0; i < rows.length; i++) out += (i === 0 ? '' : ',') + write(rows[i]!, fetched);
  return `${out}]`;
}

const prop = (name: string) => `[${JSON.stringify(name)}]`;

function generateObject(shape: Shape): ObjectWriter {
  const code = new Code();
  code.text('{');
  for (const field of shape) {
    code.text(field.head);
    switch (field.kind) {
      case 'column': {
        if (field.part !== undefined || field.format === 'boolean') {
          code.value(`${code.ref(columnJson)}(${code.ref(field)}, row${prop(field.column)})`);
          break;
        }
        const json = code.ref(FORMATS[field.format].json);
        code.lines.push(`v = row${prop(field.column)};`);
        code.value(`v === null || v === undefined ? 'null' : ${json}(v)`);
        break;
      }
      case 'literal':
        code.text(field.json);
        break;
      case 'aggregate':
        code.value(`${code.ref(aggregateJson)}(${JSON.stringify(field.format)}, ${code.ref(childRows)}(fetched, ${code.ref(field.read)}, row)[0]?.${prop(field.column)})`);
        break;
      case 'joined':
        code.lines.push(`v = row${prop(field.idColumn)};`);
        code.value(`v === null || v === undefined ? 'null' : ${code.ref(writerOf(field.shape))}(row, fetched)`);
        break;
      case 'items':
        code.value(`${code.ref(writeRows)}(${code.ref(writerOf(field.shape))}, ${code.ref(childRows)}(fetched, ${code.ref(field.read)}, row), fetched)`);
        break;
      case 'connection': {
        const { conn, read } = field;
        const rows = read ? `${code.ref(childRows)}(fetched, ${code.ref(read)}, row)` : code.ref(NO_ROWS);
        const count = conn.countColumn === null ? 'null' : `Number(row${prop(conn.countColumn)})`;
        const before = conn.previousColumn === null ? 'false' : `Number(row${prop(conn.previousColumn)}) !== 0`;
        code.value(`${code.ref(connectionWriterOf(conn))}(${rows}, ${count}, ${before}, fetched)`);
        break;
      }
    }
  }
  code.text('}');
  return code.build<ObjectWriter>('row, fetched');
}

function generateConnection(conn: ConnShape): ConnectionWriter {
  const code = new Code();
  const cursor = (row: string) => `'"' + ${code.ref(encodeCursor)}(${JSON.stringify(conn.kind)}, String(${row}${prop(conn.idColumn)})) + '"'`;
  const prelude = [`const { rows: page, hasNextPage } = ${code.ref(toPage)}(rows, ${JSON.stringify(conn.first)});`];
  code.text('{');
  for (const { head, part } of conn.parts) {
    code.text(head);
    switch (part.kind) {
      case 'literal':
        code.text(part.json);
        break;
      case 'totalCount':
        code.value('String(count)');
        break;
      case 'nodes':
        code.value(`${code.ref(writeRows)}(${code.ref(writerOf(part.shape))}, page, fetched)`);
        break;
      case 'edges': {
        code.text('[');
        code.flush();
        code.lines.push('for (let i = 0; i < page.length; i++) { const r = page[i];', `out += i === 0 ? '{' : ',{';`);
        for (const f of part.fields) {
          code.text(f.head);
          if (f.part === 'cursor') code.value(cursor('r'));
          else if (f.part === 'node') code.value(`${code.ref(writerOf(f.shape!))}(r, fetched)`);
          else code.text(f.json!);
        }
        code.text('}');
        code.flush();
        code.lines.push('}');
        code.text(']');
        break;
      }
      case 'pageInfo': {
        code.text('{');
        part.fields.forEach((f, i) => {
          code.text(`${i === 0 ? '' : ','}${JSON.stringify(f.key)}:`);
          switch (f.part) {
            case 'typename':
              code.text(f.json!);
              break;
            case 'hasNextPage':
              code.value('String(hasNextPage)');
              break;
            case 'hasPreviousPage':
              if (conn.afterId === null) code.text('false');
              else code.value('String(before)');
              break;
            case 'startCursor':
              code.value(`page.length === 0 ? 'null' : ${cursor('page[0]')}`);
              break;
            case 'endCursor':
              code.value(`page.length === 0 ? 'null' : ${cursor('page[page.length - 1]')}`);
              break;
          }
        });
        code.text('}');
        break;
      }
    }
  }
  code.text('}');
  return code.build<ConnectionWriter>('rows, count, before, fetched', prelude);
}

function writerOf(shape: Shape): ObjectWriter {
  let write = objectWriters.get(shape);
  if (!write) objectWriters.set(shape, (write = generateObject(shape)));
  return write;
}

function connectionWriterOf(conn: ConnShape): ConnectionWriter {
  let write = connectionWriters.get(conn);
  if (!write) connectionWriters.set(conn, (write = generateConnection(conn)));
  return write;
}

/** Generates the writers of a root read's shapes (nested ones with them), for a compile kept for many requests. */
export function keepWriters(read: RootRead): void {
  if (read.kind === 'single') writerOf(read.shape);
  else if (read.kind === 'connection') connectionWriterOf(read.conn);
}
