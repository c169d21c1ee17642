// The GraphiQL page and its assets over real HTTP: everything from this origin,
// immutable caching on hashed URLs, ETags and gzip, clear refusals. (GraphiQL's
// own introspection query within the limits: graphiql-browser.test.ts.)
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip, GRAPHIQL_ASSETS_PATH, renderGraphiQL } from '../src/http/graphiql.ts';
import { createTestDatabase } from './support/db.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let page: string;
let assetPaths: string[];

beforeAll(async () => {
  server = await startTestServer(await createTestDatabase('graphiql_assets'));
  const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(200);
  page = await res.text();
  assetPaths = [...page.matchAll(/(?:src|href)="([^"]+)"|'(\/graphql\/assets\/[^']+)'/g)].map((m) => (m[1] ?? m[2])!);
});

afterAll(async () => {
  await server?.close();
});

describe('the GraphiQL page', () => {
  it('loads its script, styles, workers and icon from this gateway only', () => {
    expect(page).toContain('<title>Shop GraphQL gateway</title>');
    expect(page).not.toMatch(/https?:\/\//);
    expect(assetPaths.map((p) => p.split('/').pop()).sort()).toEqual(
      ['editor.worker.js', 'favicon.ico', 'graphiql.css', 'graphiql.js', 'graphql.worker.js', 'json.worker.js'].sort(),
    );
    for (const p of assetPaths) expect(p).toMatch(/^\/graphql\/assets\/[0-9a-f]{16}\/[a-z.]+$/);
  });

  it('keeps options from closing its script element', async () => {
    const html = await renderGraphiQL({ title: '</script><script>alert(1)</script>' });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('<title>&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;</title>');
    expect(html).toContain('"title":"\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"');
  });
});

describe('the assets', () => {
  it('are served with their type, immutable caching and an ETag, and gzipped when the browser takes it', async () => {
    const types: Record<string, RegExp> = { js: /^text\/javascript; charset=utf-8$/, css: /^text\/css; charset=utf-8$/, ico: /^image\/x-icon$/ };
    for (const p of assetPaths) {
      // Node's fetch decodes gzip itself, so compare the raw bytes through an identity request.
      const plain = await fetch(`${server.url}${p}`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.status, p).toBe(200);
      expect(plain.headers.get('content-type'), p).toMatch(types[p.split('.').pop()!]!);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(plain.headers.get('vary')).toBe('accept-encoding');
      expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
      const body = Buffer.from(await plain.arrayBuffer());
      expect(Number(plain.headers.get('content-length'))).toBe(body.length);
      expect(body.length).toBeGreaterThan(1000);

      const zipped = await rawGet(`${server.url}${p}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.body.length).toBeLessThan(body.length);
      expect(gunzipSync(zipped.body).equals(body), `${p} gunzipped`).toBe(true);
      expect(zipped.headers.etag).not.toBe(plain.headers.get('etag')); // two representations, two tags
    }
    const script = await fetch(`${server.url}${assetPaths.find((p) => p.endsWith('/graphiql.js'))}`);
    expect(await script.text()).toContain('renderYogaGraphiQL');
  });

  it('answer a revalidation with its ETag 304 and a HEAD without a body', async () => {
    const p = assetPaths.find((x) => x.endsWith('/graphiql.css'))!;
    const first = await fetch(`${server.url}${p}`, { headers: { 'accept-encoding': 'identity' } });
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await fetch(`${server.url}${p}`, { headers: { 'accept-encoding': 'identity', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const other = await fetch(`${server.url}${p}`, { headers: { 'accept-encoding': 'identity', 'if-none-match': '"something-else"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const head = await fetch(`${server.url}${p}`, { method: 'HEAD', headers: { 'accept-encoding': 'identity' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await head.text()).toBe('');
  });

  it('refuse an unknown file or an older hash with 404 naming the current place, and other methods with 405', async () => {
    const current = assetPaths[0]!.split('/')[3]!;
    const stale = await fetch(`${server.url}${GRAPHIQL_ASSETS_PATH}0123456789abcdef/graphiql.js`);
    expect(stale.status).toBe(404);
    expect(stale.headers.get('cache-control')).toBe('no-store');
    expect(await stale.text()).toContain(`under ${GRAPHIQL_ASSETS_PATH}${current}/ (reload /graphql)`);
    for (const p of [`${current}/nope.js`, `${current}/graphiql.js/more`, `${current}`, '']) {
      const res = await fetch(`${server.url}${GRAPHIQL_ASSETS_PATH}${p}`);
      expect(res.status, p).toBe(404);
      await res.text();
    }
    const post = await fetch(`${server.url}${GRAPHIQL_ASSETS_PATH}${current}/graphiql.js`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.text()).toContain('not POST');
  });
});

describe('Accept-Encoding', () => {
  it('admits gzip when named or covered by *, and not at q=0', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('br, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0, gzip')).toBe(true);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
    expect(acceptsGzip('GZIP; q=0')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(null)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
  });
});

/** A GET through node:http, so a gzipped body arrives as sent (fetch would decode it). */
async function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { get } = await import('node:http');
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
