// The node:http request listener in front of Yoga: every request gets an id
// (x-request-id), its scope (statements, timings, facts for the log line) and
// one log line and metrics sample when its response closes; /health, /ready
// and /metrics answer here; bodies are read under the cap (body.ts); then
// POST /graphql asking for JSON goes to the fast path (fast-path.ts) and
// everything else to Yoga's full handler.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope, SqlStats } from '../db/stats.ts';
import type { Logger } from '../logger.ts';
import { logRequest, onRequestDone } from '../plugins/logging.ts';
import type { Metrics } from '../plugins/metrics.ts';
import { withBodyCap } from './body.ts';
import { fastPathMediaType, sendJson } from './fast-path.ts';

export interface FrontOptions {
  readonly log: Logger;
  readonly stats: SqlStats;
  readonly metrics: Metrics;
  readonly maxBodyBytes: number;
  /** Whether the database answers, for /ready. */
  readonly ready: () => Promise<boolean>;
  /** Yoga's handler. */
  readonly yoga: (req: IncomingMessage, res: ServerResponse) => void;
  /** The fast path, or null when COMPILED_QUERIES=false. */
  readonly fastPath: ((req: IncomingMessage, res: ServerResponse, mediaType: string, scope: RequestScope) => Promise<void>) | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createHttpFront(options: FrontOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, stats, metrics, yoga, fastPath } = options;

  async function ready(res: ServerResponse) {
    const ok = await options.ready();
    sendJson(res, ok ? 200 : 503, ok ? { status: 'ready' } : { status: 'unavailable', reason: 'database does not answer' });
  }

  return function handle(req, res) {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
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
    const refused = () => {
      scope.errorCodes = ['QUERY_TOO_COMPLEX'];
      if (mediaType) res.setHeader('x-request-id', requestId);
    };
    stats.runInScope(scope, () => {
      withBodyCap(req, res, { maxBytes: options.maxBodyBytes, requestId, onRefused: refused }, () => {
        if (mediaType) void fastPath!(req, res, mediaType, scope);
        else yoga(req, res);
      });
    });
  };
}
