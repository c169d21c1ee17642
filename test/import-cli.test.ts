// `npm run import` as an operator runs it: the real CLI process, real files,
// a real database. Exactly the good rows land, every bad row is reported with
// its line and reason, the exit code says whether any row failed, and a
// re-run with skip changes nothing.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { dumpTables } from './support/dump.ts';
import { rows } from './support/fixtures.ts';
import { runImportCli, summary, useTempDir } from './support/import-cli.ts';

// Each test starts real processes (tsx compiles the CLI at each start: seconds on a busy machine).
vi.setConfig({ testTimeout: 180_000 });

let config: Config;
let conn: mysql.Connection;
const files = useTempDir();

beforeAll(async () => {
  config = await createTestDatabase('import_cli');
  conn = await sqlConnection(config);
});
afterAll(async () => {
  await conn?.end();
});
beforeEach(async () => {
  await truncateAll(conn);
});

/** The bad row put at line `line` of the 10,000-row products file, and what the report must say of it. */
function badProduct(line: number, kind: number): { text: string; field: string | null; message: RegExp } {
  const sku = `BAD-${line}`;
  switch (kind) {
    case 0:
      return { text: JSON.stringify({ sku: `has space ${line}`, name: 'X', price: '1.00', stock: 1 }), field: 'sku', message: /^sku may hold only letters, digits/ };
    case 1:
      return { text: JSON.stringify({ sku, name: 'X', price: '-2.50', stock: 1 }), field: 'price', message: /^price must be 0 or more, but got "-2.50"$/ };
    case 2:
      return { text: JSON.stringify({ sku, name: 'X', price: '1.005', stock: 1 }), field: 'price', message: /^price must be an amount with at most 10 digits and 2 decimals/ };
    case 3:
      return { text: JSON.stringify({ sku, name: 'X', price: '1.00', stock: 3.5 }), field: 'stock', message: /^stock must be a whole number, but got 3.5$/ };
    case 4:
      return { text: JSON.stringify({ sku, price: '1.00', stock: 1 }), field: 'name', message: /^name is required$/ };
    case 5:
      return { text: `{"sku": "${sku}", "name": "broken"`, field: null, message: /^the line is not valid JSON/ };
    case 6:
      return { text: JSON.stringify({ sku, name: '😀'.repeat(201), price: '1.00', stock: 1 }), field: 'name', message: /^name must be 1 to 200 characters long, but got 201$/ };
    default:
      // The sku of line 1, again: a duplicate, which --on-conflict fail refuses.
      return { text: JSON.stringify({ sku: 'P-00001', name: 'Again', price: '1.00', stock: 1 }), field: 'sku', message: /^sku "P-00001" is already used by another product$/ };
  }
}

describe('a 10,000-row file with 1% bad rows of several kinds', () => {
  it('lands exactly the good rows, reports every bad row with its line and reason, and exits 1', async () => {
    const lines: string[] = [];
    const expected: { sku: string; name: string; price: string; stock: number }[] = [];
    const bad = new Map<number, ReturnType<typeof badProduct>>();
    for (let line = 1; line <= 10_000; line++) {
      if (line % 100 === 50) {
        const row = badProduct(line, bad.size % 8);
        bad.set(line, row);
        lines.push(row.text);
        continue;
      }
      const product = { sku: `P-${String(line).padStart(5, '0')}`, name: `Product ${line} ✓`, price: `${line % 97}.${String(line % 100).padStart(2, '0')}`, stock: line % 13 };
      expected.push(product);
      lines.push(JSON.stringify(product));
    }
    const file = await files.write('products.ndjson', `${lines.join('\n')}\n`);
    const reportFile = files.path('report.json');

    const run = await runImportCli(config, [file, '--on-conflict', 'fail', '--report', reportFile]);
    expect(run.code).toBe(1);
    expect(bad.size).toBe(100);
    const stored = await rows(conn, 'SELECT sku, name, price, stock FROM products ORDER BY sku');
    expect(stored).toEqual(expected.sort((a, b) => a.sku.localeCompare(b.sku)));

    const report = run.report!;
    expect(report.totals).toEqual({ read: 10_000, inserted: 9_900, updated: 0, skipped: 0, failed: 100 });
    const [fileReport] = report.files;
    expect(fileReport!.failedLines).toEqual([...bad.keys()]);
    expect(fileReport!.errors).toHaveLength(100);
    for (const error of fileReport!.errors) {
      const want = bad.get(error.line)!;
      expect({ line: error.line, field: error.field }).toEqual({ line: error.line, field: want.field });
      expect(error.message).toMatch(want.message);
      expect(error.code).toBe(want.field === 'sku' && want.message.source.includes('already used') ? 'CONFLICT' : 'BAD_USER_INPUT');
    }
    expect(summary(run)).toBe(`import: 1 file, 10,000 rows read: 9,900 inserted, 0 updated, 0 skipped, 100 failed (${(report.durationMs / 1000).toFixed(1)} s)`);
    expect(run.stdout).toContain(`${file}:50 sku: sku may hold only letters, digits`);

    // The same file again, skipping what is there: nothing changes, and the run says so.
    const before = await dumpTables(conn);
    const again = await runImportCli(config, [file, '--report', reportFile]);
    expect(await dumpTables(conn)).toBe(before);
    // The 12 repeats of line 1's sku are skipped now, not refused.
    expect(again.report!.totals).toEqual({ read: 10_000, inserted: 0, updated: 0, skipped: 9_912, failed: 88 });
    expect(summary(again)).toMatch(/^import: nothing changed in 1 file: 9,912 skipped, 88 failed/);
    expect(again.code).toBe(1);
  });
});

describe('CSV as spreadsheets write it', () => {
  it('reads quoting, a BOM, CRLF, empty lines and UTF-8 names with emoji exactly, with bad rows at their lines', async () => {
    const csv =
      '\uFEFFname,email\r\n' +
      '"Zoë 🎉, Jr.",zoe@example.com\r\n' +
      '\r\n' +
      '"Ann ""the hammer"" Lee",ann@example.com\r\n' +
      '"Multi\r\nline 名前",multi@example.com\r\n' +
      'No Email,\r\n' +
      '  Padded  ,  padded@example.com  \r\n' +
      '\r\n' +
      'Łukasz,not-an-email\r\n' +
      '😀😀😀,emoji@example.com';
    const file = await files.write('users.csv', csv);
    const run = await runImportCli(config, [file, '--report', files.path('csv.json')]);
    expect(run.code).toBe(1);
    expect(await rows(conn, 'SELECT name, email FROM users ORDER BY id')).toEqual([
      { name: 'Zoë 🎉, Jr.', email: 'zoe@example.com' },
      { name: 'Ann "the hammer" Lee', email: 'ann@example.com' },
      { name: 'Multi\r\nline 名前', email: 'multi@example.com' },
      { name: 'Padded', email: 'padded@example.com' },
      { name: '😀😀😀', email: 'emoji@example.com' },
    ]);
    expect(run.report!.files[0]!.errors).toEqual([
      { line: 7, field: 'email', code: 'BAD_USER_INPUT', message: 'email must be 1 to 255 characters long, but got 0' },
      { line: 10, field: 'email', code: 'BAD_USER_INPUT', message: 'email must look like name@domain.tld, but got "not-an-email"' },
    ]);
  });

  it('a re-run of a clean file with skip changes nothing, says so and exits 0', async () => {
    const file = await files.write('clean-users.csv', 'name,email\nA,a@example.com\nB,b@example.com\n');
    expect((await runImportCli(config, [file])).code).toBe(0);
    const before = await dumpTables(conn);
    const again = await runImportCli(config, [file, '--on-conflict', 'skip']);
    expect(again.code).toBe(0);
    expect(await dumpTables(conn)).toBe(before);
    expect(summary(again)).toMatch(/^import: nothing changed in 1 file: all 2 rows already present \(skipped\)/);
  });
});

describe('--on-conflict', () => {
  it('skip keeps the stored row, update replaces it with the last row of the key, fail refuses it; keys compare as the unique index does', async () => {
    await conn.query("INSERT INTO users (name, email) VALUES ('Stored', 'zoe@example.com')");
    const file = await files.write('conflict-users.csv', 'name,email\nFirst,ZOE@example.com\nNew,new@example.com\nSecond,zoé@example.com\nNew Again,NEW@example.com\n');
    const skip = await runImportCli(config, [file, '--on-conflict', 'skip', '--report', files.path('c.json')]);
    expect(skip.report!.totals).toMatchObject({ inserted: 1, updated: 0, skipped: 3, failed: 0 });
    expect(await rows(conn, 'SELECT name, email FROM users ORDER BY id')).toEqual([
      { name: 'Stored', email: 'zoe@example.com' },
      { name: 'New', email: 'new@example.com' },
    ]);

    const update = await runImportCli(config, [file, '--on-conflict', 'update', '--report', files.path('c.json')]);
    expect(update.code).toBe(0);
    expect(update.report!.totals).toMatchObject({ inserted: 0, updated: 4, skipped: 0, failed: 0 });
    expect(await rows(conn, 'SELECT name, email FROM users ORDER BY id')).toEqual([
      { name: 'Second', email: 'zoe@example.com' },
      { name: 'New Again', email: 'new@example.com' },
    ]);

    await truncateAll(conn);
    await conn.query("INSERT INTO users (name, email) VALUES ('Stored', 'zoe@example.com')");
    const fail = await runImportCli(config, [file, '--on-conflict', 'fail', '--report', files.path('c.json')]);
    expect(fail.code).toBe(1);
    expect(fail.report!.files[0]!.errors.map((e) => [e.line, e.code, e.message])).toEqual([
      [2, 'CONFLICT', 'email "ZOE@example.com" is already used by another user'],
      [4, 'CONFLICT', 'email "zoé@example.com" is already used by another user'],
      [5, 'CONFLICT', 'email "NEW@example.com" is already used by another user'],
    ]);
    expect(await rows(conn, 'SELECT name FROM users ORDER BY id')).toEqual([{ name: 'Stored' }, { name: 'New' }]);
  });

  it('update of products sets name, price and stock and keeps the stored sku', async () => {
    await conn.query("INSERT INTO products (sku, name, price, stock) VALUES ('ABC-1', 'Old', '9.99', 5)");
    const file = await files.write('upd.products.csv', 'sku,name,price,stock\nabc-1,Renamed,1.5,7\n');
    const run = await runImportCli(config, [file, '--on-conflict', 'update']);
    expect(run.code).toBe(0);
    expect(await rows(conn, 'SELECT sku, name, price, stock FROM products')).toEqual([{ sku: 'ABC-1', name: 'Renamed', price: '1.50', stock: 7 }]);
  });
});

describe('files and flags', () => {
  it('reads directories (by name, kind from each file name), reports files it cannot read, and exits 1', async () => {
    await files.write('dir/users.csv', 'name,email\nA,a@example.com\n');
    await files.write('dir/sub/products.jsonl', '{"sku":"S-1","name":"S","price":"1.00","stock":1}\n');
    await files.write('dir/README.md', '# not data\n');
    await files.write('mystery.csv', 'name,email\n');
    const run = await runImportCli(config, [files.path('dir'), files.path('mystery.csv'), files.path('missing.csv'), '--report', files.path('d.json')]);
    expect(run.code).toBe(1);
    expect(run.report!.files.map((f) => [f.file, f.kind, f.error])).toEqual([
      [files.path('dir/sub/products.jsonl'), 'products', null],
      [files.path('dir/users.csv'), 'users', null],
      [files.path('mystery.csv'), null, expect.stringContaining('its name names none of users, products, orders')],
      [files.path('missing.csv'), null, 'no such file or directory'],
    ]);
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM users')).toEqual([{ n: '1' }]);
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM products')).toEqual([{ n: '1' }]);
  });

  it('--type reads any file name as that kind', async () => {
    const file = await files.write('export-2026.csv', 'name,email\nA,a@example.com\n');
    expect((await runImportCli(config, [file, '--type', 'users'])).code).toBe(0);
    expect(await rows(conn, 'SELECT email FROM users')).toEqual([{ email: 'a@example.com' }]);
  });

  it('refuses bad flags with exit 2 and a message that says what would pass', async () => {
    const cases: [string[], RegExp][] = [
      [[], /name at least one file or directory to import/],
      [['x.csv', '--on-conflict', 'merge'], /--on-conflict must be one of skip, update, fail, but got "merge"/],
      [['x.csv', '--batch', '0'], /--batch must be a whole number between 1 and 5000, but got "0"/],
      [['x.csv', '--type', 'customers'], /--type must be one of users, products, orders, but got "customers"/],
      [['x.csv', '--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runImportCli(config, args)));
    runs.forEach((run, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('usage: npm run import');
    });
  });

  it('a file that is not UTF-8 keeps the rows before the bad byte and names its line', async () => {
    const file = await files.write('latin1-users.csv', Buffer.concat([Buffer.from('name,email\nA,a@example.com\nZo'), Buffer.from([0xeb]), Buffer.from(',z@example.com\n')]));
    const run = await runImportCli(config, [file, '--report', files.path('l.json')]);
    expect(run.code).toBe(1);
    expect(run.report!.files[0]!.error).toMatch(/^the file is not UTF-8: byte 0xeb at byte 30, line 3/);
    expect(await rows(conn, 'SELECT email FROM users')).toEqual([{ email: 'a@example.com' }]);
  });
});
