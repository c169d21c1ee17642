// The fast path for the common request: POST /graphql with a JSON body asking
// for JSON back. The body was read under the cap by http/body.ts; here the
// compiled executor answers with database-built JSON, or declines and the
// request goes on to Yoga's full handler with the same body. GET, SSE,
// multipart, GraphiQL and anything unusual never come here (see server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { paramsRefusal, withoutPrototype } from '../plugins/request-guards.ts';

/** A GraphQL-over-HTTP request body, as parsed and before any check. */
export interface GraphQLParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

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

/**
 * The body's parameters, or null when Yoga must answer: not JSON, not an
 * object, or parameters Yoga refuses (extensions that are not an object,
 * variables or extensions nested too deep; see plugins/request-guards.ts).
 */
export function parseParams(body: Buffer): GraphQLParams | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const params = parsed as GraphQLParams & { extensions?: unknown };
  const { variables, extensions } = params;
  if (extensions != null && (typeof extensions !== 'object' || Array.isArray(extensions))) return null;
  if (paramsRefusal(variables, extensions)) return null;
  if (variables && typeof variables === 'object' && !Array.isArray(variables)) params.variables = withoutPrototype(variables);
  return params;
}

/**
 * Writes a compiled answer: 200 even with errors in it, as Yoga answers our
 * own errors (those carry no http extension). Headers go as one flat array,
 * writeHead's cheapest form.
 */
export function writeAnswer(res: ServerResponse, body: string, mediaType: string, requestId: string): void {
  res.writeHead(200, [
    'content-type', `${mediaType}; charset=utf-8`,
    'content-length', String(Buffer.byteLength(body)),
    'x-request-id', requestId,
  ]);
  res.end(body);
}
