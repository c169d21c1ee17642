// GraphiQL as a person meets it: a real gateway process on a real port, Debian's
// headless Chromium with every host but 127.0.0.1 blocked, a query typed into
// the editor and run, the docs explorer opened, a header set in the headers tab.
// The screenshot lands in test/artifacts/graphiql.png (git-ignored).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, isObjectType } from 'graphql';
import type mysql from 'mysql2/promise';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeDefs } from '../src/schema.ts';
import { browserSkipReason, launchBrowser, type Browser } from './support/browser.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { insertOrder, insertProduct, insertUser } from './support/fixtures.ts';
import { killIfRunning, spawnGateway, type GatewayProcess } from './support/process.ts';

export const SCREENSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'artifacts/graphiql.png');

const skip = browserSkipReason();
if (skip) console.warn(`[graphiql-browser] skipped: ${skip}`);

/** The description the docs explorer must show for Query.users: read from the SDL, not written here. */
function sdlDescription(typeName: string, fieldName: string): string {
  const type = buildSchema(typeDefs).getType(typeName);
  const description = isObjectType(type) ? type.getFields()[fieldName]?.description : undefined;
  if (!description) throw new Error(`${typeName}.${fieldName} has no description in schema/`);
  return description;
}

describe.skipIf(skip !== null)('GraphiQL in a browser without internet access', () => {
  let gateway: GatewayProcess | undefined;
  let browser: Browser | undefined;
  let conn: mysql.Connection | undefined;
  let url = '';

  beforeAll(async () => {
    const config = await createTestDatabase('graphiql_browser');
    conn = await sqlConnection(config);
    const ada = await insertUser(conn, 'Ada Lovelace', 'ada@example.test');
    await insertUser(conn, 'Grace Hopper', 'grace@example.test');
    const lamp = await insertProduct(conn, 'LAMP-1', 'Desk lamp', '24.90', 7);
    await insertOrder(conn, ada, [{ productId: lamp, quantity: 2, unitPrice: '24.90' }]);
    // The real start-up (node --import tsx src/main.ts), as `npm start` runs it.
    gateway = spawnGateway({ DATABASE_URL: config.databaseUrl, PORT: '0', LOG_LEVEL: 'info' });
    const listening = (await gateway.waitForLine((_l, json) => typeof json?.port === 'number', 30_000)) as { port: number };
    url = `http://127.0.0.1:${listening.port}/graphql`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    killIfRunning(gateway);
    await conn?.end();
  });

  it('loads from the gateway alone, runs a typed query, shows the docs, and sends the Authorization header set in the headers tab', { timeout: 120_000 }, async () => {
    const { page } = browser!;
    const posts: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === url) posts.push(request);
    });

    await page.goto(url);
    // The docs button appears once GraphiQL has rendered; the schema arrives by introspection.
    const docsButton = page.getByRole('button', { name: 'Show Documentation Explorer' });
    await docsButton.waitFor({ timeout: 60_000 }).catch((error: Error) => {
      throw new Error(`GraphiQL did not render (requests refused: ${browser!.blocked.join(', ') || 'none'}): ${error.message}`);
    });

    // GraphiQL's own introspection query (13 levels deep) passed the query limits.
    const introspection = posts.find((request) => /__schema/.test(request.postData() ?? ''));
    expect(introspection, 'GraphiQL sent no introspection query').toBeDefined();
    const introspected = (await (await introspection!.response())!.json()) as { errors?: unknown; data?: { __schema?: unknown } };
    expect(introspected.errors).toBeUndefined();
    expect(introspected.data?.__schema).toBeTruthy();

    // Typed as a person pastes it (insertText: Monaco would otherwise close every bracket it opens).
    await replaceEditorText(page, '.graphiql-query-editor', '{ users(first: 5) { totalCount nodes { name email orderCount totalSpent } } }');
    await page.getByRole('button', { name: /^Execute query/ }).click();
    const response = page.locator('.graphiql-response');
    await response.getByText('Grace Hopper').waitFor({ timeout: 15_000 });
    const shown = await editorText(response);
    expect(shown).toContain('"totalCount": 2');
    expect(shown).toContain('"name": "Ada Lovelace"');
    expect(shown).toContain('"totalSpent": "49.80"');
    expect(shown).not.toContain('"errors"');

    // Docs: the root types, then Query, then the users field with its description from schema/.
    await docsButton.click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByRole('link', { name: 'Query', exact: true }).click();
    await docs.locator('a.graphiql-doc-explorer-field-name', { hasText: /^users$/ }).click();
    await expect.poll(() => docs.locator('.graphiql-markdown-description').first().innerText(), { timeout: 10_000 }).toBe(sdlDescription('Query', 'users'));

    // Headers tab: a bearer token, then a run that must carry it.
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    await replaceEditorText(page, 'section.graphiql-editor-tool[aria-label="Headers"]', '{"Authorization": "Bearer test-token"}');
    await replaceEditorText(page, '.graphiql-query-editor', 'query WithToken { productCount }');
    const before = posts.length;
    await page.getByRole('button', { name: /^Execute query/ }).click();
    await response.getByText('"productCount": 1').waitFor({ timeout: 15_000 });
    const run = posts.slice(before).find((request) => /WithToken/.test(request.postData() ?? ''));
    expect(run, 'the run after setting the header was not seen').toBeDefined();
    expect(run!.headers().authorization).toBe('Bearer test-token');
    expect((await run!.response())?.status()).toBe(200);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    // Nothing left for another host: no request was refused, and every one went to the gateway.
    expect(browser!.blocked).toEqual([]);
    const elsewhere = browser!.requested.filter((u) => !u.startsWith(`http://127.0.0.1:${new URL(url).port}/`) && !/^(data|blob):/.test(u));
    expect(elsewhere).toEqual([]);
    expect(browser!.requested.some((u) => u.includes('/graphql/assets/') && u.endsWith('/graphiql.js'))).toBe(true);
  });
});

/** Selects everything in the (visible) Monaco editor inside `container` and puts `text` there. */
async function replaceEditorText(page: Browser['page'], container: string, text: string) {
  // The headers and variables editors share one section; the tab shows one of them.
  const editor = page.locator(`${container} .monaco-editor`).filter({ visible: true }).first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.keyboard.press('ControlOrMeta+Home'); // scrolled back to the start, for the screenshot
  await expect.poll(() => editorText(editor)).toBe(text);
}

/** What a Monaco editor shows (it renders spaces as no-break spaces). */
async function editorText(editor: ReturnType<Browser['page']['locator']>): Promise<string> {
  return (await editor.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}
