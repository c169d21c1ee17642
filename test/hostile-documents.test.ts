// Documents and parameters an attacker would send, on both execution paths
// (the compiled fast path first, and Yoga alone): each is refused with a
// client error code before any SQL, nothing is logged as an unexpected
// error, and the server keeps serving. Before guards/nesting.ts, a list
// literal 3,000 deep overflowed graphql-js's parser ("Unexpected error.",
// INTERNAL_SERVER_ERROR, a RangeError stack in the log).
import { Writable } from 'node:stream';
import { getIntrospectionQuery } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { MAX_NESTING, documentNesting, valueNesting } from '../src/guards/nesting.ts';
import { createTestDatabase } from './support/db.ts';
import { insertShopRows } from './support/rows.ts';
import { seenErrors, startTestServer, type TestServer } from './support/server.ts';

const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

interface Path {
  readonly name: string;
  server: TestServer;
}
const paths: Path[] = [
  { name: 'compiled fast path first (default)', server: undefined as unknown as TestServer },
  { name: 'Yoga only (compiledQueries: false)', server: undefined as unknown as TestServer },
];
let config: Config;
/** The default limits (MAX_QUERY_TOKENS 2000), where the issue's query overflowed the parser. */
let defaults: TestServer;

beforeAll(async () => {
  config = await createTestDatabase('hostile_documents');
  await insertShopRows(config);
  // A token limit high enough that nesting, not the token count, is what refuses.
  const wide = configWith(config, { limits: { maxTokens: 1_000_000 } });
  const logger = pino({ level: 'info' }, sink);
  paths[0]!.server = await startTestServer(wide, { logger });
  paths[1]!.server = await startTestServer(configWith(wide, { compiledQueries: false }), { logger });
  defaults = await startTestServer(config, { logger });
});

afterAll(async () => {
  for (const path of paths) await path.server?.close();
  await defaults?.close();
});

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, any> }[] };
  statements: number;
  unexpected: string[];
}

/** Sends `body` (a JSON text, or a GET query string) and collects the answer, the SQL it ran and any unexpected-error log line. */
async function send(server: TestServer, request: { post: string } | { get: string }): Promise<Answer> {
  const before = logLines.length;
  const { result, statements } = await server.countStatements(async () => {
    const res =
      'post' in request
        ? await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
            body: request.post,
          })
        : await fetch(`${server.url}/graphql?${request.get}`, { headers: { accept: 'application/graphql-response+json' } });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  });
  if (result.body.errors) seenErrors.push(...result.body.errors);
  const unexpected = logLines.slice(before).filter((line) => /unexpected error|RangeError|"level":50/.test(line));
  return { ...result, statements, unexpected };
}

const post = (query: string, rest = '') => ({ post: `{"query":${JSON.stringify(query)}${rest}}` });

function expectRefused(answer: Answer, code: string, extensions: Record<string, unknown> = {}) {
  expect(answer.unexpected).toEqual([]);
  expect(answer.statements).toBe(0);
  expect(answer.status).toBe(400);
  expect(answer.body.data ?? null).toBeNull();
  expect(answer.body.errors).toHaveLength(1);
  expect(answer.body.errors![0]!.extensions).toMatchObject({ code, ...extensions });
}

async function expectStillServing(server: TestServer) {
  const res = await server.gql('{ user(id: "1") { id name } }');
  expect(res.body).toEqual({ data: { user: { id: '1', name: 'User 1' } } });
}

const nested = (open: string, inner: string, close: string, levels: number) => open.repeat(levels) + inner + close.repeat(levels);
/** `user(id: "1") { orders { nodes { user { ... } } } }`, `levels` fields deep. */
function deepSelection(levels: number): string {
  const cycle = ['orders', 'nodes', 'user'];
  let body = 'id';
  for (let i = levels - 2; i >= 1; i--) body = `${cycle[(i - 1) % 3]} { ${body} }`;
  return `{ user(id: "1") { ${body} } }`;
}
const fragmentChain = (length: number) =>
  '{ ...F0 } ' + Array.from({ length }, (_, i) => `fragment F${i} on Query { ${i === length - 1 ? 'productCount' : `...F${i + 1}`} }`).join(' ');
const fragmentCycle = (length: number) =>
  '{ ...F0 } ' + Array.from({ length }, (_, i) => `fragment F${i} on Query { productCount ...F${(i + 1) % length} }`).join(' ');

describe('the issue’s query on the default limits', () => {
  it('refuses a list literal nested 3,000 deep as QUERY_TOO_COMPLEX (nesting), not an unexpected error', async () => {
    const answer = await send(defaults, post(`{ products(filter: { search: ${nested('[', '"a"', ']', 3000)} }) { totalCount } }`));
    expectRefused(answer, 'QUERY_TOO_COMPLEX', { limit: 'nesting', max: MAX_NESTING });
    expect(answer.body.errors![0]!.message).toMatch(/nests more than 100 levels deep .*limit of 100/);
    await expectStillServing(defaults);
  });
});

for (const path of paths) {
  describe(path.name, () => {
    const deepDocuments: [string, () => string][] = [
      ['a list literal 3,000 deep', () => `{ products(filter: { search: ${nested('[', '"a"', ']', 3000)} }) { totalCount } }`],
      ['an object literal 3,000 deep', () => `{ products(filter: { search: ${nested('{ a: ', '1', ' }', 3000)} }) { totalCount } }`],
      ['selection sets 3,000 deep', () => deepSelection(3000)],
      ['a chain of 5,000 fragments, each spreading the next', () => fragmentChain(5000)],
      ['a cycle of 3,000 fragments', () => fragmentCycle(3000)],
      ['a variable of a list type 3,000 deep', () => `query($a: ${nested('[', 'Int', ']', 3000)}) { productCount }`],
    ];
    for (const [what, document] of deepDocuments) {
      it(`refuses ${what} as QUERY_TOO_COMPLEX (nesting) before any SQL`, async () => {
        expectRefused(await send(path.server, post(document())), 'QUERY_TOO_COMPLEX', { limit: 'nesting' });
        await expectStillServing(path.server);
      });
    }

    it('refuses variables nested 100,000 deep, used or not, as QUERY_TOO_COMPLEX (variablesNesting)', async () => {
      const deep = nested('[', '"a"', ']', 100_000);
      const used = `{"query":"query($s: String) { products(filter: { search: $s }) { totalCount } }","variables":{"s":${deep}}}`;
      expectRefused(await send(path.server, { post: used }), 'QUERY_TOO_COMPLEX', { limit: 'variablesNesting' });
      const unused = `{"query":"{ productCount }","variables":{"a":${nested('{"a":', '1', '}', 50_000)}}}`;
      expectRefused(await send(path.server, { post: unused }), 'QUERY_TOO_COMPLEX', { limit: 'variablesNesting' });
      await expectStillServing(path.server);
    });

    it('refuses extensions nested 100,000 deep as QUERY_TOO_COMPLEX (extensionsNesting)', async () => {
      const body = `{"query":"{ productCount }","extensions":{"a":${nested('[', '1', ']', 100_000)}}}`;
      const answer = await send(path.server, { post: body });
      expectRefused(answer, 'QUERY_TOO_COMPLEX', { limit: 'extensionsNesting' });
      expect(answer.body.errors![0]!.extensions).not.toHaveProperty('http');
    });

    it('still answers what nests just under the bound: introspection, a 10-fragment chain, 90-deep variables', async () => {
      const introspection = await send(path.server, post(getIntrospectionQuery()));
      expect(introspection.status).toBe(200);
      expect(introspection.body.errors).toBeUndefined();
      const chain = await send(path.server, post(fragmentChain(10)));
      expect(chain.body).toEqual({ data: { productCount: 3 } });
      // 90 deep is allowed, and graphql then refuses it for its type, as a client error.
      const variables = await send(path.server, {
        post: `{"query":"query($s: String) { products(filter: { search: $s }) { totalCount } }","variables":{"s":${nested('[', '"a"', ']', 90)}}}`,
      });
      expect(variables.unexpected).toEqual([]);
      expect(variables.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('answers GET variables or extensions that are not JSON with 400 BAD_REQUEST, not an unexpected error', async () => {
      for (const query of ['variables=%5B', 'variables=x', 'extensions=%7B']) {
        const answer = await send(path.server, { get: `query=%7BproductCount%7D&${query}` });
        expectRefused(answer, 'BAD_REQUEST');
        expect(answer.body.errors![0]!.message).toMatch(/not valid JSON/);
      }
    });

    it('reads a variable named like an Object.prototype member that the client did not send as absent', async () => {
      const query = 'query($constructor: String, $toString: String) { products(filter: { search: $constructor }) { totalCount } a: productCount(filter: { search: $toString }) }';
      for (const body of [post(query), post(query, ',"variables":{}'), post(query, ',"variables":{"__proto__":{"constructor":"x"}}')]) {
        const answer = await send(path.server, body);
        expect(answer.unexpected).toEqual([]);
        expect(answer.body).toEqual({ data: { products: { totalCount: 3 }, a: 3 } });
      }
    });

    it('refuses extensions that are not an object with 400 BAD_REQUEST, as Yoga does', async () => {
      for (const extensions of ['"x"', '[1]', '5', 'true']) {
        const answer = await send(path.server, post('{ productCount }', `,"extensions":${extensions}`));
        expectRefused(answer, 'BAD_REQUEST');
        expect(answer.body.errors![0]!.message).toMatch(/"extensions" param to be empty or an object/);
      }
    });

    it('logs and labels a 10,000-character operation name cut to 100 characters', async () => {
      const name = `Q${'x'.repeat(10_000)}`;
      const before = logLines.length;
      const answer = await send(path.server, post(`query ${name} { productCount }`, `,"operationName":"${name}"`));
      expect(answer.body).toEqual({ data: { productCount: 3 } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const request = logLines.slice(before).map((line) => JSON.parse(line)).find((line) => line.msg === 'request');
      expect(request.operation).toBe(`${name.slice(0, 100)}...`);
      const metrics = await (await fetch(`${path.server.url}/metrics`)).text();
      expect(metrics).not.toContain(name.slice(0, 101));
    });

    // Inputs tried as an attacker would that already met a client error; kept so they stay that way.
    const alreadyRefused: [string, { post: string } | { get: string }, string][] = [
      ['an Int literal of 400 digits', post(`{ products(first: ${'9'.repeat(400)}) { totalCount } }`), 'GRAPHQL_VALIDATION_FAILED'],
      ['a Float literal 1e400 for an Int', post('{ products(first: 1e400) { totalCount } }'), 'GRAPHQL_VALIDATION_FAILED'],
      ['an Int variable 1e308', post('query($n: Int) { products(first: $n) { totalCount } }', ',"variables":{"n":1e308}'), 'BAD_USER_INPUT'],
      ['a lone surrogate escape in a string literal', post('{ products(filter: { search: "\\uD800" }) { totalCount } }'), 'GRAPHQL_PARSE_FAILED'],
      ['a __proto__ key inside an input variable', post('query($f: ProductFilter) { products(filter: $f) { totalCount } }', ',"variables":{"f":{"__proto__":{"search":"x"}}}'), 'BAD_USER_INPUT'],
      ['a batched array of operations', { post: '[{"query":"{ productCount }"},{"query":"{ productCount }"}]' }, 'BAD_REQUEST'],
      ['invalid UTF-8 in the body', { post: Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0x7b, 0xff, 0xfe, 0x7d, 0x22, 0x7d]).toString('latin1') }, 'GRAPHQL_PARSE_FAILED'],
      ['an operationName that is a number', post('{ productCount }', ',"operationName":5'), 'OPERATION_RESOLUTION_FAILURE'],
      ['a query that is an object', { post: '{"query":{"a":1}}' }, 'BAD_REQUEST'],
      ['GET extensions that are a number', { get: 'query=%7BproductCount%7D&extensions=5' }, 'BAD_REQUEST'],
    ];
    for (const [what, request, code] of alreadyRefused) {
      it(`refuses ${what} with ${code}`, async () => {
        const answer = await send(path.server, request);
        expect(answer.unexpected).toEqual([]);
        expect(answer.statements).toBe(0);
        expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code });
      });
    }

    it('stores a lone surrogate sent in a variable nowhere: createUser refuses it as BAD_USER_INPUT', async () => {
      const answer = await send(
        path.server,
        post('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', ',"variables":{"i":{"name":"a\\ud800b","email":"s@example.com"}}'),
      );
      expect(answer.unexpected).toEqual([]);
      expect(answer.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    });
  });
}

describe('the nesting measure', () => {
  it('counts brackets, and a spread as one level plus the fragment', () => {
    expect(documentNesting('{ a }')).toBe(1);
    expect(documentNesting('query($a: [[Int]] = [[1]]) { a(b: { c: [1] }) { d } }')).toBe(4);
    expect(documentNesting(fragmentChain(10))).toBe(11);
    expect(documentNesting(getIntrospectionQuery())).toBeLessThan(MAX_NESTING / 4);
  });

  it('stops at the token limit and at the first syntax error, leaving those to parse()', () => {
    expect(documentNesting(nested('[', '1', ']', 3000), { maxTokens: 50 })).toBeNull();
    expect(documentNesting('{ a(b: "unterminated) }')).toBeNull();
  });

  it('stops a 1 MiB run of brackets at the bound instead of reading it all', () => {
    expect(documentNesting(`{ a(b: ${'['.repeat(1 << 20)}`)).toBe(MAX_NESTING + 1);
    expect(valueNesting(JSON.parse(nested('[', '1', ']', 100_000)))).toBe(MAX_NESTING + 1);
  });
});
