// Hand-written baseline: node:http + mysql2, no GraphQL library. It answers only the benchmark
// operations (recognised by operationName and their exact text) with the JSON the gateway must
// return, from the SQL a careful engineer would write (bench/README.md explains each).
//   PORT=4100 DATABASE_URL=mysql://root@127.0.0.1:3306/shop_bench tsx bench/baseline.ts
// Env: DB_POOL_SIZE (default 10), BASELINE_SQL=auto|execute|query: prepared statements (execute) or
// text protocol (query); auto (default) uses what measured fastest per statement (baseline-db.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { counters, GraphQLError, modeEnv, pool, poolSize, type Json } from './baseline-db.ts';
import { orderList, searchBox } from './baseline-lists.ts';
import { clientDocument, dashboard, deepPage, userById } from './baseline-reads.ts';
import { placeOrder } from './baseline-writes.ts';
import { DOCUMENTS, type OperationName } from './operations.ts';

/** Each operation's route and the root field its errors name. */
const ROUTES: Record<OperationName, { field: string; run: (vars: Json) => Promise<Json> }> = {
  UserById: { field: 'user', run: userById },
  Dashboard: { field: 'users', run: dashboard },
  PlaceOrder: { field: 'placeOrder', run: placeOrder },
  SearchBox: { field: 'products', run: searchBox },
  OrderList: { field: 'orders', run: orderList },
  ClientDocument: { field: 'user', run: clientDocument },
  DeepPage: { field: 'users', run: deepPage },
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_000_000) throw new GraphQLError('Body too large.', 'BAD_REQUEST');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/stats') return send(res, 200, counters);
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { error: 'not found' });
  let body: { query?: unknown; variables?: Json | null; operationName?: unknown };
  try {
    body = JSON.parse(await readBody(req)) as typeof body;
  } catch {
    return send(res, 400, { errors: [{ message: 'Invalid JSON body.' }] });
  }
  const name = String(body.operationName) as OperationName;
  const route = Object.hasOwn(ROUTES, name) ? ROUTES[name] : undefined;
  if (!route || body.query !== DOCUMENTS[name]) return send(res, 400, { errors: [{ message: 'Unknown operation (baseline serves only the bench operations).' }] });
  counters.requests++;
  try {
    return send(res, 200, { data: await route.run(body.variables ?? {}) });
  } catch (err) {
    if (err instanceof GraphQLError) {
      return send(res, 200, { errors: [{ message: err.message, path: [route.field], extensions: { code: err.code } }], data: err.data });
    }
    console.error(err);
    return send(res, 200, { errors: [{ message: 'Unexpected error.', path: [route.field] }], data: null });
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    console.error(err);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Unexpected error.' }] });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 4100), process.env.HOST ?? '127.0.0.1', () => {
  const addr = server.address();
  console.log(`baseline listening on ${typeof addr === 'object' && addr ? addr.port : addr} (sql=${modeEnv}, pool=${poolSize})`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    void pool.end().finally(() => process.exit(0));
  });
}
