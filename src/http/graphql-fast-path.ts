// The fast path for the common request: POST /graphql with a JSON body asking
// for JSON back. It reads the body itself (counted, capped), lets the compiled
// executor answer with database-built JSON, and otherwise hands the same body
// to Yoga's full handler. GET, SSE, multipart, GraphiQL and anything unusual
// never come here: they go to Yoga untouched (see server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledExecutor, GraphQLParams } from '../planner/compiled-execution.ts';

const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

/**
 * The media type Yoga would answer with (the first acceptable entry of Accept
 * wins; a wildcard means application/json), or null when the request wants
 * something only Yoga serves (event streams, multipart, HTML).
 */
export function fastPathMediaType(req: IncomingMessage): string | null {
  if (req.method !== 'POST') return null;
  const contentType = req.headers['content-type'];
  if (!contentType || !/^application\/json\s*(;|$)/i.test(contentType)) return null;
  const accept = req.headers.accept;
  if (!accept) return JSON_TYPE;
  for (const entry of accept.replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...params] = entry.split(';');
    const charset = params.find((p) => p.startsWith('charset='));
    if (charset && charset !== 'charset=utf-8') continue;
    if (type === GRAPHQL_RESPONSE_TYPE) return GRAPHQL_RESPONSE_TYPE;
    if (type === JSON_TYPE || type === '*/*' || type === 'application/*') return JSON_TYPE;
    if (type === 'text/event-stream' || type === 'multipart/mixed' || type === 'text/html') return null;
  }
  return null;
}

export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 413 | 400 };

/** Reads the request body, refusing it as soon as it passes `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413 });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        resolve({ ok: false, status: 413 });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    });
    req.on('error', () => {
      if (done) return;
      done = true;
      resolve({ ok: false, status: 400 });
    });
  });
}

export function parseParams(body: Buffer): GraphQLParams | null {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as GraphQLParams) : null;
  } catch {
    return null;
  }
}

/** Runs the compiled executor; true when it answered, false when Yoga must. */
export async function answerCompiled(
  executor: CompiledExecutor,
  params: GraphQLParams,
  mediaType: string,
  res: ServerResponse,
): Promise<boolean> {
  const body = await executor.tryExecute(params);
  if (body === null) return false;
  res.writeHead(200, { 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

/** Hands an already-read body to Yoga's full handler and writes its response. */
export async function answerWithYoga(
  fetchFn: (request: Request) => Promise<Response> | Response,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/graphql'}`;
  const response = await fetchFn(new Request(url, { method: 'POST', headers, body: body as unknown as BodyInit }));
  const text = Buffer.from(await response.arrayBuffer());
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  outHeaders['content-length'] = String(text.length);
  res.writeHead(response.status, outHeaders);
  res.end(text);
}
