// The fast path for the common request: POST /graphql with a JSON body asking
// for JSON back. The body was read under the cap by body.ts; here the
// compiled path answers with database-built JSON, or declines and the request
// goes on to Yoga's full handler with the same body. GET, SSE, multipart,
// GraphiQL and anything unusual never come here (see front.ts).
//
// What this path does in place of the Yoga plugins it bypasses, and with what:
// | plugin (Yoga path)                      | here                                                     |
// | request-guards: params refused          | parseParams declines them, so Yoga answers                |
// | nesting guard in the limits' onParse    | compiled-path.ts parses with the same parseWithinNesting  |
// | trusted-documents                       | resolveDocument (http/trusted-documents.ts); a refusal    |
// |                                         | goes to Yoga, whose plugin answers it                     |
// | limits: depth, aliases, cost            | admittedCost (plugins/limits.ts): over a limit, decline   |
// | timeout: TIMEOUT past REQUEST_TIMEOUT_MS| requestTimeoutError (plugins/timeout.ts), same body       |
// | maskedErrors                            | maskUnexpected / noteServiceError (plugins/masking.ts)    |
// | response-cache invalidation             | the compiled mutations' `after` (server.ts), same effects |
// | request facts (operation, error codes)  | written into the request scope here                       |
// The request log line and metrics are written by front.ts for both paths.
// test/fast-path-mirrors.test.ts holds each row to the same answer on both paths.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledExecutor } from '../compiled/compiled-path.ts';
import type { RequestScope } from '../db/stats.ts';
import type { Logger } from '../logger.ts';
import { paramsRefusal, withoutPrototype } from '../plugins/request-guards.ts';
import { requestTimeoutError } from '../plugins/timeout.ts';
import type { OperationSpan, Tracing } from '../tracing/tracing.ts';
import type { Viewer } from '../viewer.ts';
import { resolveDocument, type TrustedDocumentsPolicy } from './trusted-documents.ts';

/** A GraphQL-over-HTTP request body, as parsed and before any check. */
export interface GraphQLParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

/** Header pairs whose media type is kept, and the longest pair kept (longer ones are worked out each time). */
const MEDIA_TYPES_KEPT = 256;
const MAX_KEPT_HEADERS_LENGTH = 512;
const mediaTypes = new Map<string, string | null>();

/**
 * The media type Yoga would answer with (the first acceptable entry of Accept
 * wins; a wildcard means application/json), or null when the request wants
 * something only Yoga serves (event streams, multipart, HTML).
 */
export function fastPathMediaType(req: IncomingMessage): string | null {
  if (req.method !== 'POST') return null;
  const contentType = req.headers['content-type'];
  if (!contentType) return null;
  const accept = req.headers.accept ?? '';
  // A client sends the same two headers on every request: their answer is kept (a bounded number of pairs).
  const key = `${contentType}\n${accept}`;
  const known = mediaTypes.get(key);
  if (known !== undefined) return known;
  const mediaType = /^application\/json\s*(;|$)/i.test(contentType) ? acceptedMediaType(accept) : null;
  if (mediaTypes.size >= MEDIA_TYPES_KEPT) mediaTypes.clear();
  if (key.length <= MAX_KEPT_HEADERS_LENGTH) mediaTypes.set(key, mediaType);
  return mediaType;
}

/** The media type an Accept header (of a JSON POST) asks for, as fastPathMediaType tells it. */
function acceptedMediaType(accept: string): string | null {
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

/** Writes a JSON body with its length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, mediaType = JSON_TYPE): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface FastPathOptions {
  readonly compiled: CompiledExecutor;
  /** Yoga's handler, for every request the compiled path declines. */
  readonly yoga: (req: IncomingMessage, res: ServerResponse) => void;
  readonly trustedDocuments: TrustedDocumentsPolicy | null;
  readonly requestTimeoutMs: number;
  readonly log: Logger;
  /** With tracing on: an operation span (gateway.path=compiled) around the compiled execution. */
  readonly tracing?: Tracing | null;
  /** Whether the response cache is on, for the span's gateway.cache_hit. */
  readonly responseCache?: boolean;
}

/** POST /graphql asking for JSON: compiled execution when it applies, else Yoga with the body already read. */
export function createFastPath(options: FastPathOptions) {
  const { compiled, yoga, trustedDocuments, requestTimeoutMs, log } = options;
  const tracing = options.tracing ?? null;
  const responseCache = options.responseCache === true;
  return async function fastGraphql(req: IncomingMessage & { viewer?: Viewer; body?: Buffer }, res: ServerResponse, mediaType: string, scope: RequestScope): Promise<void> {
    const { body, viewer } = req;
    let params = body ? parseParams(body) : null;
    if (params && trustedDocuments) {
      const document = resolveDocument(trustedDocuments, params);
      params = document && !('refused' in document) ? { ...params, query: document.query } : null;
    }
    try {
      if (params && viewer) {
        const remaining = requestTimeoutMs - (performance.now() - (scope.startedAt ?? performance.now()));
        const request = { viewer, timeoutMs: remaining };
        const answer = tracing
          ? await tracing.operation('compiled', (span) => described(span, compiled.tryExecute(params!, request), responseCache))
          : await compiled.tryExecute(params, request);
        if (answer === 'timeout') {
          scope.timedOut = true;
          scope.errorCodes = ['TIMEOUT'];
          res.setHeader('x-request-id', scope.requestId);
          return sendJson(res, 200, { errors: [requestTimeoutError(requestTimeoutMs).toJSON()], data: null }, mediaType);
        }
        if (answer) {
          scope.operationName = answer.operationName;
          scope.errorCodes = answer.errorCodes ? [...answer.errorCodes] : [];
          return writeAnswer(res, answer.body, mediaType, scope.requestId);
        }
      }
    } catch (error) {
      // The ordinary path reports database failures with their paths and codes.
      log.debug({ err: error, requestId: scope.requestId }, 'compiled execution failed; using the resolvers');
    }
    res.setHeader('x-request-id', scope.requestId);
    yoga(req, res);
  };
}

/** The compiled answer, its facts written on the operation span: name, type, cache hit, error codes, or declined. */
async function described(span: OperationSpan, running: ReturnType<CompiledExecutor['tryExecute']>, responseCache: boolean) {
  let answer;
  try {
    answer = await running;
  } catch (error) {
    span.declined();
    throw error;
  }
  if (answer === null) {
    span.declined();
  } else if (answer === 'timeout') {
    span.failed(['TIMEOUT']);
  } else {
    span.describe(answer.operationType, answer.operationName === 'anonymous' ? undefined : answer.operationName);
    if (responseCache) span.cacheHit(answer.cacheHit === true);
    span.failed(answer.errorCodes ?? []);
  }
  return answer;
}
