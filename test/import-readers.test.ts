// The import's readers on real bytes, fed in small chunks so that every
// boundary (a CRLF, a multi-byte character, a quoted field) falls between
// chunks somewhere: values exactly as written, and line numbers as an editor
// shows them, whatever the line endings and quoting.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatOf, kindOf } from '../src/import/files.ts';
import { openRows, type SourceItem } from '../src/import/source.ts';
import { ImportFileError } from '../src/import/types.ts';

const spec = { columns: ['name', 'email'], required: ['name', 'email'] };

async function read(bytes: string | Buffer, format: 'csv' | 'ndjson', chunkSize: number) {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunkSize) chunks.push(buffer.subarray(i, i + chunkSize));
  const source = openRows(Readable.from(chunks), format, spec);
  const items: SourceItem[] = [];
  let failure: ImportFileError | null = null;
  try {
    for await (const item of source.rows) items.push(item);
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    failure = error;
  }
  return { items, failure, ignored: source.ignoredColumns(), bytes: source.bytesRead() };
}

const summary = (items: SourceItem[]) => items.map((item) => ('values' in item ? [item.line, item.values] : [item.line, item.error.message]));

describe('the CSV reader', () => {
  const csv =
    '\uFEFF Name ,EMAIL,notes\r\n' + // BOM, header names trimmed and in any case, an unknown column
    '"Zoë 🎉, Jr.","zoe@example.com",x\r\n' + // quoting, a comma inside quotes, emoji
    '\r\n' + // an empty line
    '"two\r\nlines","say ""hi""@example.com",y\r\n' + // CRLF and doubled quotes inside quotes
    'bad"quote,q@example.com,z\r\n' + // a quote inside an unquoted field
    'short\r\n' + // too few fields
    '\r\n\r\n' +
    'Łukasz 日本,l@example.com,' + // the last line without a line break
    '';

  for (const chunkSize of [1, 2, 3, 7, 64 * 1024]) {
    it(`reads values exactly and numbers lines as written (chunks of ${chunkSize} bytes)`, async () => {
      const { items, failure, ignored, bytes } = await read(csv, 'csv', chunkSize);
      expect(failure).toBeNull();
      expect(ignored).toEqual(['notes']);
      expect(bytes).toBe(Buffer.byteLength(csv));
      expect(summary(items)).toEqual([
        [2, { name: 'Zoë 🎉, Jr.', email: 'zoe@example.com' }],
        [4, { name: 'two\r\nlines', email: 'say "hi"@example.com' }],
        [6, expect.stringContaining('a quote appears inside an unquoted field')],
        [7, 'the row has 1 field, but the header has 3 columns'],
        [10, { name: 'Łukasz 日本', email: 'l@example.com' }],
      ]);
    });
  }

  it('numbers lines of an LF file and of an old-Mac CR file the same way', async () => {
    const lf = await read('name,email\n\n"a\nb",a@x.io\nc,c@x.io\n', 'csv', 3);
    const cr = await read('name,email\r\r"a\rb",a@x.io\rc,c@x.io\r', 'csv', 3);
    expect(summary(lf.items)).toEqual([
      [3, { name: 'a\nb', email: 'a@x.io' }],
      [5, { name: 'c', email: 'c@x.io' }],
    ]);
    expect(summary(cr.items).map(([line]) => line)).toEqual([3, 5]);
  });

  it('stops the file at an unclosed quote, naming the line it opens on, after the rows before it', async () => {
    const { items, failure } = await read('name,email\nA,a@x.io\n\n"never closed,b@x.io\nC,c@x.io\n', 'csv', 5);
    expect(summary(items)).toEqual([[2, { name: 'A', email: 'a@x.io' }]]);
    expect(failure?.message).toBe('line 4: a quoted field is never closed; the rest of the file cannot be read');
    expect(failure?.line).toBe(4);
  });

  it('refuses a header without a required column, naming what it expected and what it got', async () => {
    const { failure, items } = await read('name,mail\nA,a@x.io\n', 'csv', 4);
    expect(items).toEqual([]);
    expect(failure?.message).toBe('line 1: the header has no "email" column (the columns are name, email), but got "name,mail"');
  });

  it('refuses a header naming a column twice, and an empty file', async () => {
    expect((await read('name,email,Email\n', 'csv', 4)).failure?.message).toBe('line 1: the header names the column "email" twice');
    expect((await read('', 'csv', 4)).failure?.message).toBe('the file is empty: a CSV file needs a header row (name,email)');
  });

  it('refuses bytes that are not UTF-8 with the byte and its line, after the rows before it', async () => {
    const latin1 = Buffer.concat([Buffer.from('name,email\nA,a@x.io\nZo'), Buffer.from([0xeb]), Buffer.from(',z@x.io\n')]);
    const { items, failure } = await read(latin1, 'csv', 2);
    expect(summary(items)).toEqual([[2, { name: 'A', email: 'a@x.io' }]]);
    expect(failure?.message).toBe('the file is not UTF-8: byte 0xeb at byte 23, line 3 cannot start or continue a character (save the file as UTF-8)');
  });

  it('refuses a file that ends inside a multi-byte character', async () => {
    const cut = Buffer.from('name,email\nZoë', 'utf8').subarray(0, -1);
    expect((await read(cut, 'csv', 5)).failure?.message).toMatch(/^the file ends in the middle of a UTF-8 character \(byte 14, line 2\)/);
  });
});

describe('the NDJSON reader', () => {
  it('reads one object a line, skips blank lines and a BOM, and reports bad lines by number', async () => {
    const text = '\uFEFF{"name":"Zoë 🎉","email":"z@x.io"}\r\n\n   \n{"name":"A"\n[1,2]\n"text"\n{"name":"B","email":"b@x.io"}';
    for (const chunkSize of [1, 3, 1024]) {
      const { items, failure } = await read(text, 'ndjson', chunkSize);
      expect(failure).toBeNull();
      expect(summary(items)).toEqual([
        [1, { name: 'Zoë 🎉', email: 'z@x.io' }],
        [4, expect.stringMatching(/^the line is not valid JSON \(/)],
        [5, 'each line must hold one JSON object, but got an array'],
        [6, 'each line must hold one JSON object, but got a string'],
        [7, { name: 'B', email: 'b@x.io' }],
      ]);
    }
  });

  it('refuses a line over 1 MiB without holding it, and goes on with the next', async () => {
    const text = `{"name":"A","email":"a@x.io"}\n{"name":"${'x'.repeat(2 * 1024 * 1024)}"}\n{"name":"C","email":"c@x.io"}\n`;
    const { items } = await read(text, 'ndjson', 64 * 1024);
    expect(summary(items)).toEqual([
      [1, { name: 'A', email: 'a@x.io' }],
      [2, 'the line is longer than 1048576 bytes; each line holds one row as a JSON object'],
      [3, { name: 'C', email: 'c@x.io' }],
    ]);
  });
});

describe('file names', () => {
  it('give the format by extension and the kind by a word of the name', () => {
    expect([formatOf('a/users.csv'), formatOf('b.NDJSON'), formatOf('c.jsonl'), formatOf('d.json')]).toEqual(['csv', 'ndjson', 'ndjson', null]);
    expect([kindOf('users.csv'), kindOf('2026-11_products.ndjson'), kindOf('old-orders.csv'), kindOf('customer_user.csv')]).toEqual(['users', 'products', 'orders', 'users']);
    expect(kindOf('data.csv')).toBe('cannot tell what data.csv holds: its name names none of users, products, orders; rename it (e.g. users.csv) or pass --type');
    expect(kindOf('users-orders.csv')).toBe('cannot tell what users-orders.csv holds: its name names users and orders; pass --type');
  });
});
