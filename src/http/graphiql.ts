// GraphiQL served by the gateway itself. graphql-yoga's default page loads
// GraphiQL's scripts from unpkg.com, so a browser without access to public CDNs
// sees only "Loading ...". @graphql-yoga/render-graphiql ships the same UI
// (Yoga's GraphiQL build, its CSS and Monaco's three workers) as strings; this
// module serves them as separate files under /graphql/assets/<hash>/, so the
// page itself stays a few hundred bytes and the 9 MB of assets are fetched once
// and then cached by the browser for good:
//   - renderGraphiQL: Yoga's `renderGraphiQL` option, the page for GET /graphql
//     from a browser, pointing at the assets;
//   - useGraphiQLAssets: a Yoga plugin answering GET/HEAD /graphql/assets/...
//     (immutable caching, an ETag, gzip when the browser takes it).
// The bundle is imported on the first GraphiQL request, not at start-up: it
// costs ~250 ms to parse and ~40 MB to hold, which an API-only process (and
// every test that builds the app) should not pay.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/** Where the assets live; /graphql/... so a proxy forwarding /graphql* forwards them too. */
export const GRAPHIQL_ASSETS_PATH = '/graphql/assets/';

const gzip = promisify(gzipCallback);

/** The hashed URLs never change content, so browsers may keep them for a year without asking. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Asset {
  readonly body: Buffer;
  /** The body gzipped, when that is smaller. */
  readonly gzipped: Buffer | null;
  readonly type: string;
}

interface Bundle {
  /** Content hash of every asset: the path segment that makes their URLs cacheable for good. */
  readonly hash: string;
  readonly assets: ReadonlyMap<string, Asset>;
}

/** The files of the page, by name, as render-graphiql exports them. */
const FILES = {
  'graphiql.js': { key: 'js', type: 'text/javascript; charset=utf-8' },
  'graphiql.css': { key: 'css', type: 'text/css; charset=utf-8' },
  // Monaco starts its workers as module workers (`type: "module"`), which need a JavaScript MIME type.
  'editor.worker.js': { key: 'editorWorkerService', type: 'text/javascript; charset=utf-8' },
  'json.worker.js': { key: 'jsonWorker', type: 'text/javascript; charset=utf-8' },
  'graphql.worker.js': { key: 'graphqlWorker', type: 'text/javascript; charset=utf-8' },
} as const;

let bundle: Promise<Bundle> | undefined;

/** The assets, imported, hashed and gzipped once per process (in the thread pool, off the event loop). */
export function loadGraphiQLBundle(): Promise<Bundle> {
  bundle ??= buildBundle().catch((error: unknown) => {
    bundle = undefined; // a failed import is retried by the next request, not remembered
    throw error;
  });
  return bundle;
}

async function buildBundle(): Promise<Bundle> {
  const source = await import('@graphql-yoga/render-graphiql/graphiql');
  const hash = createHash('sha256');
  const entries: [string, Buffer, string][] = Object.entries(FILES).map(([name, { key, type }]) => [name, Buffer.from(source[key]), type]);
  entries.push(['favicon.ico', dataUrlBytes(source.favicon), 'image/x-icon']);
  for (const [name, body] of entries) hash.update(name).update(body);
  const gzipped = await Promise.all(entries.map(([, body]) => gzip(body)));
  const assets = new Map<string, Asset>(
    entries.map(([name, body, type], i) => [name, { body, type, gzipped: gzipped[i]!.length < body.length ? gzipped[i]! : null }]),
  );
  return { hash: hash.digest('hex').slice(0, 16), assets };
}

function dataUrlBytes(url: string): Buffer {
  const comma = url.indexOf(',');
  return Buffer.from(url.slice(comma + 1), url.slice(0, comma).endsWith(';base64') ? 'base64' : 'utf8');
}

/** Yoga's `renderGraphiQL`: the GraphiQL page, loading everything from this gateway. */
export async function renderGraphiQL(options: GraphiQLOptions = {}): Promise<string> {
  const { hash } = await loadGraphiQLBundle();
  const base = `${GRAPHIQL_ASSETS_PATH}${hash}`;
  const title = escapeHtml(options.title ?? 'GraphiQL');
  // As Yoga's own page does, but with the workers' URLs on this origin instead of blobs fetched from a CDN.
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="icon" href="${base}/favicon.ico" />
    <link rel="stylesheet" href="${base}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root">Loading ${title}...</div>
    <script>
      const workers = {
        editorWorkerService: '${base}/editor.worker.js',
        json: '${base}/json.worker.js',
        graphql: '${base}/graphql.worker.js',
      };
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${base}/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;
}

/** The Yoga plugin serving the assets the page asks for. */
export function useGraphiQLAssets(): Plugin {
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      return loadGraphiQLBundle().then((loaded) => endResponse(assetResponse(fetchAPI.Response, loaded, url.pathname, request)));
    },
  };
}

function assetResponse(Response: typeof globalThis.Response, loaded: Bundle, pathname: string, request: Request): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response(`GraphiQL's assets are read with GET or HEAD, not ${request.method}.\n`, {
      status: 405,
      headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const [hash, name, ...rest] = pathname.slice(GRAPHIQL_ASSETS_PATH.length).split('/');
  const asset = hash === loaded.hash && name && rest.length === 0 ? loaded.assets.get(name) : undefined;
  if (!asset) {
    // A stale hash is a page rendered by an older gateway: a reload of /graphql gets the current URLs.
    const message = `No GraphiQL asset at ${pathname}: this gateway serves ${[...loaded.assets.keys()].join(', ')} under ${GRAPHIQL_ASSETS_PATH}${loaded.hash}/ (reload /graphql).\n`;
    return new Response(message, { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
  }
  const useGzip = asset.gzipped !== null && acceptsGzip(request.headers.get('accept-encoding'));
  const etag = `"${loaded.hash}${useGzip ? '-gz' : ''}"`;
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'cache-control': IMMUTABLE,
    etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  if (ifNoneMatch(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  const body = useGzip ? asset.gzipped! : asset.body;
  if (useGzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = String(body.length);
  return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers });
}

/** Whether Accept-Encoding admits gzip: named (or `*`, when gzip is not named) and not with q=0. */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    weights.set(coding, q === undefined ? 1 : Number(q.slice(2)));
  }
  const weight = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*') ?? 0;
  return weight > 0;
}

function ifNoneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the <script> it sits in. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
