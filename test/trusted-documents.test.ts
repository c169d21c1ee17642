// Trusted documents on the Yoga path: a client sends a document's hash
// (`documentId`, or Apollo's persistedQuery extension) and the gateway runs
// the manifest's document; an unknown hash is refused; with
// TRUSTED_DOCUMENTS_ONLY=true any query text is refused before it is parsed,
// and no SQL runs. resolveDocument, the rule the node:http fast path will
// call, answers as Yoga answers. Without TRUSTED_DOCUMENTS nothing changes.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { loadTrustedDocuments, REFUSALS, resolveDocument, type DocumentParams, type TrustedDocumentsPolicy } from '../src/http/trusted-documents.ts';
import { createTestDatabase } from './support/db.ts';
import { insertShopRows } from './support/rows.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { subscribe } from './support/sse.ts';

const DOCS = {
  userName: 'query UserName($id: ID!) { user(id: $id) { id name } }',
  count: 'query Count { productCount }',
  place: 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { total items { quantity product { id stock } } } }',
  invalid: 'query Invalid { productCount nope }',
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const HASH = Object.fromEntries(Object.entries(DOCS).map(([k, v]) => [k, sha256(v)])) as Record<keyof typeof DOCS, string>;
const UNKNOWN = sha256('query Other { productCount }');

const dir = mkdtempSync(path.join(tmpdir(), 'trusted-'));
const manifestFile = path.join(dir, 'persisted-documents.json');
writeFileSync(manifestFile, JSON.stringify(Object.fromEntries(Object.values(DOCS).map((d) => [sha256(d), d])), null, 2));

let base: Config;
/** Trusted-only, every POST through Yoga. */
let only: TestServer;
/** Trusted-only, POSTs through the node:http fast path first. */
let onlyFast: TestServer;
/** The manifest on, query text still allowed, the compiled path on. */
let open: TestServer;
/** The same, every POST through Yoga. */
let openYoga: TestServer;
/** No TRUSTED_DOCUMENTS. */
let off: TestServer;
let onlyPolicy: TrustedDocumentsPolicy;
let openPolicy: TrustedDocumentsPolicy;

beforeAll(async () => {
  base = await createTestDatabase('trusted_documents');
  await insertShopRows(base);
  const documents = loadTrustedDocuments(manifestFile);
  onlyPolicy = { documents, only: true };
  openPolicy = { documents, only: false };
  only = await startTestServer(configWith(base, { compiledQueries: false, trustedDocuments: onlyPolicy }));
  onlyFast = await startTestServer(configWith(base, { trustedDocuments: onlyPolicy }));
  open = await startTestServer(configWith(base, { trustedDocuments: openPolicy }));
  openYoga = await startTestServer(configWith(base, { compiledQueries: false, trustedDocuments: openPolicy }));
  off = await startTestServer(base);
});
afterAll(async () => {
  await Promise.all([only?.close(), onlyFast?.close(), open?.close(), openYoga?.close(), off?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function post(server: TestServer, body: Record<string, unknown>, accept = 'application/graphql-response+json') {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}
async function get(server: TestServer, params: Record<string, string>) {
  const res = await fetch(`${server.url}/graphql?${new URLSearchParams(params)}`, { headers: { accept: 'application/graphql-response+json' } });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}
const apollo = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const refusal = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

describe('trusted documents by hash', () => {
  it('runs the manifest document of a documentId, with its variables, over POST and GET', async () => {
    for (const server of [only, onlyFast, open]) {
      expect(await post(server, { documentId: HASH.userName, variables: { id: '2' } })).toEqual({ status: 200, body: { data: { user: { id: '2', name: 'User 2' } } } });
      expect(await get(server, { documentId: HASH.userName, variables: '{"id":"3"}' })).toEqual({ status: 200, body: { data: { user: { id: '3', name: 'User 3' } } } });
      // GraphQL over HTTP's persisted-documents proposal prefixes the algorithm.
      expect((await post(server, { documentId: `sha256:${HASH.count}` })).body).toEqual({ data: { productCount: 3 } });
    }
  });

  it("runs the document of Apollo's persistedQuery extension, over POST and GET", async () => {
    for (const server of [only, onlyFast, open]) {
      expect((await post(server, { extensions: apollo(HASH.count) })).body).toEqual({ data: { productCount: 3 } });
      expect((await get(server, { extensions: JSON.stringify(apollo(HASH.userName)), variables: '{"id":"1"}' })).body).toEqual({
        data: { user: { id: '1', name: 'User 1' } },
      });
      // Another version of the extension is not Apollo's: no id, so refused.
      expect((await post(server, { extensions: { persistedQuery: { version: 2, sha256Hash: HASH.count } } })).body).toEqual(
        refusal('PersistedQueryKeyNotFound', 'PERSISTED_QUERY_ID_REQUIRED'),
      );
    }
  });

  it('runs a persisted mutation over POST and refuses it over GET, as any mutation', async () => {
    const input = { userId: '1', items: [{ productId: '2', quantity: 3 }] };
    expect((await post(only, { documentId: HASH.place, variables: { input } })).body).toEqual({
      data: { placeOrder: { total: '7.50', items: [{ quantity: 3, product: { id: '2', stock: 97 } }] } },
    });
    const overGet = await fetch(`${only.url}/graphql?${new URLSearchParams({ documentId: HASH.place, variables: JSON.stringify({ input }) })}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(overGet.status).toBe(405);
  });

  it('still validates a manifest document against the schema', async () => {
    const res = await post(only, { documentId: HASH.invalid });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0]?.message).toBe('Cannot query field "nope" on type "Query".');
  });

  it('refuses an unknown hash with PersistedQueryNotFound, before any SQL', async () => {
    for (const server of [only, onlyFast, open]) {
      const { result, statements } = await server.countStatements(() => post(server, { documentId: UNKNOWN }));
      expect(result).toEqual({ status: 200, body: refusal('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_IN_LIST') });
      expect(statements).toBe(0);
      expect((await post(server, { extensions: apollo(UNKNOWN) }, 'application/json')).body).toEqual(refusal('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_IN_LIST'));
      expect((await get(server, { documentId: UNKNOWN })).body).toEqual(refusal('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_IN_LIST'));
    }
  });
});

describe('TRUSTED_DOCUMENTS_ONLY=true', () => {
  it('refuses query text over POST, GET and SSE before parsing it, with no SQL, on both paths', async () => {
    for (const server of [only, onlyFast]) {
      const { result, statements } = await server.countStatements(async () => [
        await post(server, { query: DOCS.count }),
        // Even the very text of a trusted document: only its hash is trusted.
        await post(server, { query: DOCS.count, documentId: HASH.count }),
        // Not even parsed: a syntax error is refused the same way.
        await post(server, { query: '{ productCount' }),
        await get(server, { query: DOCS.count }),
      ]);
      for (const res of result) expect(res).toEqual({ status: 200, body: refusal('PersistedQueryOnly', 'CANNOT_SEND_PQ_ID_AND_BODY') });
      expect(statements).toBe(0);
      const sse = await subscribe(server.url, 'subscription { orderPlaced { id } }');
      try {
        expect(await sse.next(5000)).toEqual(refusal('PersistedQueryOnly', 'CANNOT_SEND_PQ_ID_AND_BODY'));
      } finally {
        sse.close();
      }
    }
  });

  it('refuses a request with neither text nor id', async () => {
    expect((await post(only, {})).body).toEqual(refusal('PersistedQueryKeyNotFound', 'PERSISTED_QUERY_ID_REQUIRED'));
  });

  it('the fast path answers a trusted document by hash as one compiled statement, planned at start', async () => {
    const { result, statements } = await onlyFast.countStatements(() => post(onlyFast, { documentId: HASH.userName, variables: { id: '2' } }));
    expect(result).toEqual({ status: 200, body: { data: { user: { id: '2', name: 'User 2' } } } });
    expect(statements).toBe(1);
  });
});

describe('with the mode off', () => {
  it('TRUSTED_DOCUMENTS alone still runs any query text, compiled or not', async () => {
    expect((await post(open, { query: 'query Other { productCount }' })).body).toEqual({ data: { productCount: 3 } });
    expect((await get(open, { query: '{ user(id: "1") { name } }' })).body).toEqual({ data: { user: { name: 'User 1' } } });
    // Text and an id: the plugin lets the text through without looking the id up, and Yoga
    // then refuses the unknown body parameter, as it does without trusted documents.
    const both = await post(openYoga, { query: '{ productCount }', documentId: UNKNOWN });
    expect(both.status).toBe(400);
    expect(both.body.errors?.[0]?.message).toBe('Unexpected parameter "documentId" in the request body.');
    // (Without trusted documents, through Yoga: an Accept the fast path leaves to it.)
    expect((await post(off, { query: '{ productCount }', documentId: UNKNOWN }, 'text/html, application/json;q=0.9')).status).toBe(400);
  });

  it('without TRUSTED_DOCUMENTS a hash means nothing, as before', async () => {
    const res = await post(off, { documentId: HASH.count });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toBe('Unexpected parameter "documentId" in the request body.');
    expect((await post(off, { query: DOCS.count })).body).toEqual({ data: { productCount: 3 } });
  });
});

describe('resolveDocument, the rule for the fast path', () => {
  const cases: [string, DocumentParams][] = [
    ['documentId', { documentId: HASH.count }],
    ['Apollo extension', { extensions: apollo(HASH.count) }],
    ['unknown hash', { documentId: UNKNOWN }],
    ['query text', { query: DOCS.count }],
    ['nothing', {}],
  ];
  it.each(cases)('%s: the same answer as Yoga with the plugin, in both modes', async (_name, params) => {
    for (const [server, policy] of [[only, onlyPolicy], [openYoga, openPolicy]] as const) {
      const resolved = resolveDocument(policy, params);
      const yoga = (await post(server, params as Record<string, unknown>)).body;
      if (resolved && 'refused' in resolved) {
        expect(yoga).toEqual(refusal(resolved.message, resolved.code));
      } else {
        expect(resolved).not.toBeNull();
        expect(yoga).toEqual((await post(off, { query: resolved!.query })).body);
      }
    }
  });

  it('text and an id: refused in trusted-only mode; otherwise the text runs, the id unread', async () => {
    const params = { query: '{ productCount }', documentId: UNKNOWN };
    expect(resolveDocument(onlyPolicy, params)).toBe(REFUSALS.persistedOnly);
    expect((await post(only, params)).body).toEqual(refusal('PersistedQueryOnly', 'CANNOT_SEND_PQ_ID_AND_BODY'));
    // Yoga goes on to refuse the extra body parameter (the test above); the fast path, which
    // ignores parameters it does not know, answers the text, as it does without trusted documents.
    expect(resolveDocument(openPolicy, params)).toEqual({ query: '{ productCount }' });
  });

  it('leaves a query that is not a string to Yoga', () => {
    expect(resolveDocument(openPolicy, { query: 42 })).toBeNull();
    expect(resolveDocument(onlyPolicy, { query: 42 })).toMatchObject({ code: 'CANNOT_SEND_PQ_ID_AND_BODY' });
  });
});
