// The node:http request listener in front of Yoga: every request gets an id
// (x-request-id), its scope (statements, timings, facts for the log line) and
// one log line and metrics sample when its response closes; /health, /ready
// and /metrics answer here. A GraphQL request is then, in this order and
// before any parse or SQL:
//   1. authenticated (auth/authenticate.ts): a token that does not verify is
//      answered 401 with WWW-Authenticate (auth/http.ts), its viewer set on the
//      request otherwise (ViewerRequest; an admin for everyone while
//      authentication is off);
//   2. read under the body cap (body.ts), but for a multipart upload, which
//      streams on to Yoga under MAX_UPLOAD_BYTES (see withBodyCap);
//   3. counted against the client's rate limits (rate-limit.ts): over one it
//      is answered 429 with Retry-After;
// and goes on to the fast path (fast-path.ts) when it is a POST asking for
// JSON, else to Yoga's full handler.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRefusal, type Authenticator } from '../auth/authenticate.ts';
import { sendAuthRefusal } from '../auth/http.ts';
import type { RequestScope, SqlStats } from '../db/stats.ts';
import type { Logger } from '../logger.ts';
import { logRequest, onRequestDone } from '../plugins/logging.ts';
import type { Metrics } from '../plugins/metrics.ts';
import { ADMIN_WITHOUT_USER, ANONYMOUS, type Viewer } from '../viewer.ts';
import { withBodyCap } from './body.ts';
import { fastPathMediaType, parseParams, sendJson } from './fast-path.ts';
import { isMutationRequest } from './operation-type.ts';
import { rateLimitKey, type RateLimiter } from './rate-limit.ts';
import { sendRateLimited } from './rate-limit-response.ts';
import type { Tracing } from '../tracing/tracing.ts';

/** A request once the front has authenticated it. */
export interface ViewerRequest extends IncomingMessage {
  viewer?: Viewer;
  body?: Buffer;
}

export interface FrontOptions {
  readonly log: Logger;
  readonly stats: SqlStats;
  readonly metrics: Metrics;
  readonly maxBodyBytes: number;
  /** The file limit of a multipart upload (importFile, MAX_UPLOAD_BYTES); without it an upload is capped like any body. */
  readonly maxUploadBytes?: number;
  /** Whether the database (the primary) answers, for /ready. */
  readonly ready: () => Promise<boolean>;
  /** More for /ready's body (the read replicas' state). */
  readonly readyDetails?: () => Record<string, unknown>;
  /** Yoga's handler. */
  readonly yoga: (req: IncomingMessage, res: ServerResponse) => void;
  /** The fast path, or null when COMPILED_QUERIES=false. */
  readonly fastPath: ((req: ViewerRequest, res: ServerResponse, mediaType: string, scope: RequestScope) => Promise<void>) | null;
  readonly auth: Authenticator;
  readonly limiter: RateLimiter;
  /** graphql's token limit, for telling a mutation from a query without parsing. */
  readonly maxTokens: number;
  /** Other routes served before GraphQL (e.g. job downloads): true when one answered. */
  readonly routes?: (req: ViewerRequest, res: ServerResponse, path: string) => boolean;
  /** The route template of one of those paths ("/jobs/{id}/result"), for the HTTP span's http.route. */
  readonly routeOf?: (path: string) => string | null;
  /** With tracing on: an HTTP span per request but the probes (/health, /ready, /metrics). */
  readonly tracing?: Tracing | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createHttpFront(options: FrontOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, stats, metrics, yoga, fastPath, auth, limiter } = options;
  const tracing = options.tracing ?? null;
  const routeOf = (path: string) => (path === '/graphql' ? path : (options.routeOf?.(path) ?? null));

  async function ready(res: ServerResponse) {
    const ok = await options.ready();
    const details = options.readyDetails?.() ?? {};
    sendJson(res, ok ? 200 : 503, ok ? { status: 'ready', ...details } : { status: 'unavailable', reason: 'database does not answer', ...details });
  }

  return function handle(req, res) {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const scope: RequestScope = { requestId, statements: 0, sqlMs: 0, startedAt: performance.now() };
    onRequestDone(req, res, scope, path, (record) => {
      logRequest(log, record);
      metrics.observe(record);
    });
    const mediaType = fastPath && path === '/graphql' ? fastPathMediaType(req) : null;
    // The fast path writes x-request-id among its own headers (writeHead is
    // cheaper with no headers set before it); every other answer gets it here.
    if (!mediaType) res.setHeader('x-request-id', requestId);
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (path === '/ready') return void ready(res);
    if (path === '/metrics') return void metrics.respond(res).catch(() => res.destroy());
    if (tracing) return tracing.request(req, res, routeOf(path), path, scope, () => stats.runInScope(scope, () => admit(req as ViewerRequest, res, path, mediaType, scope)));
    stats.runInScope(scope, () => admit(req as ViewerRequest, res, path, mediaType, scope));
  };

  /** Authentication, then the body cap and the rate limits, then the GraphQL handler. */
  function admit(req: ViewerRequest, res: ServerResponse, path: string, mediaType: string | null, scope: RequestScope) {
    if (!auth.enabled) return admitViewer(req, res, path, mediaType, scope, ADMIN_WITHOUT_USER);
    void auth.authenticate(req.headers.authorization).then(async (viewer) => {
      if (!isRefusal(viewer)) return admitViewer(req, res, path, mediaType, scope, viewer);
      // Bad tokens count against the client's address, so a flood of them is limited too.
      const verdict = limiter.enabled ? await limiter.check(rateLimitKey(ANONYMOUS, req.socket.remoteAddress), false) : 'ok';
      scope.errorCodes = [verdict === 'ok' ? viewer.code : 'RATE_LIMITED'];
      if (verdict !== 'ok') return sendRateLimited(res, verdict, { requestId: scope.requestId, mediaType: mediaType ?? undefined });
      return sendAuthRefusal(res, viewer, { requestId: scope.requestId, mediaType: mediaType ?? undefined });
    });
  }

  function admitViewer(req: ViewerRequest, res: ServerResponse, path: string, mediaType: string | null, scope: RequestScope, viewer: Viewer) {
    req.viewer = viewer;
    if (options.routes?.(req, res, path)) return;
    withBodyCap(req, res, new BodyCap(options, res, mediaType, scope), () => {
      const limited = limiter.enabled ? limiter.check(rateLimitKey(viewer, req.socket.remoteAddress), isMutation(req)) : 'ok';
      if (limited instanceof Promise) void limited.then((verdict) => proceed(req, res, mediaType, scope, verdict));
      else proceed(req, res, mediaType, scope, limited);
    });
  }

  function proceed(req: ViewerRequest, res: ServerResponse, mediaType: string | null, scope: RequestScope, verdict: Awaited<ReturnType<RateLimiter['check']>>) {
    if (verdict !== 'ok') {
      scope.errorCodes = ['RATE_LIMITED'];
      return sendRateLimited(res, verdict, { requestId: scope.requestId, mediaType: mediaType ?? undefined });
    }
    if (mediaType) void fastPath!(req, res, mediaType, scope);
    else yoga(req, res);
  }

  /** Whether the request would run a mutation, before anything is parsed (multipart requests are uploads: mutations). */
  function isMutation(req: ViewerRequest): boolean {
    if (req.method === 'GET') {
      const search = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      return isMutationRequest(search.get('query'), search.get('operationName'), options.maxTokens);
    }
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return true;
    const params = req.body ? parseParams(req.body) : null;
    return params ? isMutationRequest(params.query, params.operationName, options.maxTokens) : false;
  }
}

/**
 * The body cap of one request (body.ts withBodyCap), a refusal recorded in its
 * scope. A class, not an object literal with a closure: tsx's keepNames would
 * give each request's closure a defineProperty of its name.
 */
class BodyCap {
  readonly maxBytes: number;
  readonly maxUploadBytes: number | undefined;
  readonly requestId: string;

  constructor(
    options: FrontOptions,
    private readonly res: ServerResponse,
    private readonly mediaType: string | null,
    private readonly scope: RequestScope,
  ) {
    this.maxBytes = options.maxBodyBytes;
    this.maxUploadBytes = options.maxUploadBytes;
    this.requestId = scope.requestId;
  }

  onRefused(): void {
    this.scope.errorCodes = ['QUERY_TOO_COMPLEX'];
    if (this.mediaType) this.res.setHeader('x-request-id', this.scope.requestId);
  }
}
