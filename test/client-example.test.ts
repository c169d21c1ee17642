// The typed client example (examples/client/) run as a user runs it, against
// a gateway on a real port over a database holding rows: its output is
// checked line by line, and so is what it wrote. Sending hashes, it runs
// against a gateway that serves only the documents of its generated manifest.
// Its generated files are in step with schema/, so a schema change that
// breaks one of its documents fails here (and its type-check in CI).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { Kind, parse } from 'graphql';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientCodegenConfig } from '../examples/client/codegen.ts';
import { configWith } from '../src/config.ts';
import { loadTrustedDocuments } from '../src/http/trusted-documents.ts';
import { createTestDatabase, sqlConnection, truncateAll } from './support/db.ts';
import { rows } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const GENERATED = path.join(ROOT, 'examples/client/src/gql');
const MANIFEST = path.join(GENERATED, 'persisted-documents.json');

let conn: mysql.Connection;
let plain: TestServer;
/** TRUSTED_DOCUMENTS = the example's manifest, TRUSTED_DOCUMENTS_ONLY=true; POSTs through Yoga (the fast path is not wired yet). */
let trusted: TestServer;

beforeAll(async () => {
  const config = await createTestDatabase('client_example');
  conn = await sqlConnection(config);
  plain = await startTestServer(config);
  trusted = await startTestServer(configWith(config, { compiledQueries: false, trustedDocuments: { documents: loadTrustedDocuments(MANIFEST), only: true } }));
});
afterAll(async () => {
  await Promise.all([plain?.close(), trusted?.close()]);
  await conn?.end();
});
beforeEach(async () => {
  await truncateAll(conn);
  await conn.query("INSERT INTO users (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com'), (2, 'Alan Turing', 'alan@example.com')");
  await conn.query(
    `INSERT INTO products (id, sku, name, price, stock) VALUES
       (1, 'LAMP-0', 'Brass lamp', 45.00, 0), (2, 'MUG-1', 'Mug', 8.50, 10),
       (3, 'LAMP-1', 'Desk lamp', 19.90, 4), (4, 'LAMP-2', 'Floor lamp', 89.00, 2)`,
  );
  await conn.query("INSERT INTO orders (id, user_id, status, total, created_at) VALUES (1, 1, 'PAID', 106.00, '2026-11-20 10:00:00.000')");
  await conn.query('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (1, 2, 2, 8.50), (1, 4, 1, 89.00)');
});

function runExample(server: TestServer, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', GATEWAY_URL: `${server.url}/graphql`, SEARCH: 'lamp', PAGE_SIZE: '2', USER_ID: '1' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/client/src/main.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** What the example prints for the rows above, with the order it placed read back from the table. */
async function expectedOutput(server: TestServer, sending: string): Promise<string> {
  const [placed] = await rows<{ id: string; created_at: string }>(conn, 'SELECT id, created_at FROM orders WHERE id <> 1');
  expect(placed).toBeDefined();
  const day = placed!.created_at.slice(0, 10);
  return [
    `gateway ${server.url}/graphql, sending ${sending}`,
    'products matching "lamp": 3, 2 a page',
    'page 1:',
    '  #1 LAMP-0 Brass lamp: 45.00, 0 in stock',
    '  #3 LAMP-1 Desk lamp: 19.90, 4 in stock',
    'page 2:',
    '  #4 LAMP-2 Floor lamp: 89.00, 2 in stock',
    'placed for Ada Lovelace:',
    `  order #${placed!.id} PENDING 19.90 on ${day}`,
    '    1 x Desk lamp (LAMP-1) at 19.90 = 19.90',
    'Ada Lovelace <ada@example.com>: 2 orders, 125.90 spent; the first 2 of 2:',
    '  order #1 PAID 106.00 on 2026-11-20',
    '    2 x Mug (MUG-1) at 8.50 = 17.00',
    '    1 x Floor lamp (LAMP-2) at 89.00 = 89.00',
    `  order #${placed!.id} PENDING 19.90 on ${day}`,
    '    1 x Desk lamp (LAMP-1) at 19.90 = 19.90',
    '',
  ].join('\n');
}

describe('the typed client example', () => {
  it('pages a product search, places an order and reads the user back, sending document texts', async () => {
    const run = await runExample(plain);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await expectedOutput(plain, 'document texts'));
    expect(await rows(conn, 'SELECT stock FROM products WHERE id = 3')).toEqual([{ stock: 3 }]);
  }, 90_000);

  it('does the same sending only hashes, to a gateway that serves only its manifest', async () => {
    const run = await runExample(trusted, ['--hashes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await expectedOutput(trusted, 'hashes'));
    expect(await rows(conn, 'SELECT stock FROM products WHERE id = 3')).toEqual([{ stock: 3 }]);
  }, 90_000);

  it('sending texts to that gateway, is refused at its first request and says why', async () => {
    const run = await runExample(trusted);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('ProductSearch failed: PersistedQueryOnly (CANNOT_SEND_PQ_ID_AND_BODY)\n');
    expect(await rows(conn, 'SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: '1' }]);
  }, 90_000);
});

describe("the example's generated files", () => {
  it('are in step with schema/ and its documents (run `npm run codegen` if this fails)', async () => {
    const outputs = await generate({ ...clientCodegenConfig, cwd: ROOT, silent: true }, false);
    expect(outputs.map((o: { filename: string }) => path.relative(ROOT, path.resolve(ROOT, o.filename))).sort()).toEqual(
      ['fragment-masking.ts', 'gql.ts', 'graphql.ts', 'index.ts', 'persisted-documents.json'].map((f) => `examples/client/src/gql/${f}`),
    );
    for (const output of outputs as { filename: string; content: string }[]) {
      expect(readFileSync(path.resolve(ROOT, output.filename), 'utf8'), output.filename).toBe(output.content);
    }
  }, 60_000);

  it('hold a manifest of "sha256:<hex of the text>" -> text, one per operation, as each document embeds it', () => {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
    const operations = Object.values(manifest).map((text) => parse(text).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value] : [])));
    expect(operations.flat().sort()).toEqual(['PlaceOrder', 'ProductSearch', 'UserWithOrders']);
    for (const [hash, text] of Object.entries(manifest)) expect(hash).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    const generated = readFileSync(path.join(GENERATED, 'graphql.ts'), 'utf8');
    const embedded = [...generated.matchAll(/"__meta__":\{"hash":"(sha256:[0-9a-f]{64})"\}/g)].map((m) => m[1]);
    expect(embedded.sort()).toEqual(Object.keys(manifest).sort());
  });

  it("the README's example hashes are keys of the manifest", () => {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
    const quoted = [...readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/sha256:[0-9a-f]{64}/g)].map((m) => m[0]);
    expect(quoted.length).toBeGreaterThan(0);
    for (const hash of quoted) expect(Object.keys(manifest)).toContain(hash);
  });
});
