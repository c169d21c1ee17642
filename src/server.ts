// createApp(config) builds everything a process serves: the database handle,
// the GraphQL schema with Yoga and its plugins, and the node:http handler in
// front of it. main.ts only wires it to a port; tests build it in-process.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, maskError as yogaMaskError, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { createDb, type Db } from './db/pool.ts';
import type { RequestScope } from './db/stats.ts';
import { answerCompiled, answerWithYoga, fastPathMediaType, parseParams, readBody } from './http/graphql-fast-path.ts';
import { useResponseCacheInvalidation } from './cache/invalidation-plugin.ts';
import { ResponseCache } from './cache/response-cache.ts';
import { createLoaders } from './loaders.ts';
import { createCompiledExecutor } from './planner/compiled-execution.ts';
import { createLogger, type Logger } from './logger.ts';
import { resolvers, typeDefs } from './schema.ts';
import type { Services } from './services.ts';

export interface AppOptions {
  /** Test hook: every loader batch's keys. */
  onLoaderBatch?: (loader: string, keys: readonly unknown[]) => void;
  logger?: Logger;
}

export interface App {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly yoga: YogaServerInstance<ServerContext, AppContext>;
  /** The response cache, when RESPONSE_CACHE=true. */
  readonly cache: ResponseCache | null;
  /** The node:http request listener: health/ready/metrics, then GraphQL. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

// Yoga's server context: nothing beyond the request, which Yoga adds itself.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type ServerContext = {};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(config: Config, options: AppOptions = {}): App {
  const log = options.logger ?? createLogger(config.logLevel);
  const db = createDb(config);
  const services: Services = { db };
  const loaderOptions = { maxBatchSize: config.maxBatchSize, onBatch: options.onLoaderBatch };

  const schema = createSchema<AppContext>({ typeDefs, resolvers });
  const cache = config.responseCache && config.compiledQueries
    ? new ResponseCache({
        ttlMs: { user: config.responseCacheTtlMs, order: config.responseCacheTtlMs, product: config.responseCacheTtlMs, item: config.responseCacheTtlMs },
        countTtlMs: config.responseCacheCountTtlMs,
        maxEntries: 10_000,
      })
    : null;
  const compiled = config.compiledQueries
    ? createCompiledExecutor(schema, db.kysely, { maxObjects: config.compiledMaxObjects, cache, preparedStatements: config.preparedStatements })
    : null;

  const yoga = createYoga<ServerContext, AppContext>({
    schema,
    plugins: cache ? [useResponseCacheInvalidation((entities) => cache.invalidate(entities))] : [],
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Shop GraphQL gateway' },
    healthCheckEndpoint: null as unknown as string,
    logging: false,
    maskedErrors: {
      maskError(error, message): Error {
        if (isOriginalGraphQLError(error)) return error;
        const requestId = db.stats.currentScope()?.requestId;
        log.error({ err: unwrap(error), requestId }, 'unexpected error');
        const masked = yogaMaskError(error, message, false) as GraphQLError;
        return new GraphQLError(masked.message, {
          nodes: masked.nodes,
          source: masked.source,
          positions: masked.positions,
          path: masked.path,
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
        });
      },
    },
    context() {
      const scope = db.stats.currentScope();
      const requestId = scope?.requestId ?? randomUUID();
      return {
        db: db.kysely,
        loaders: createLoaders(db.kysely, loaderOptions),
        requestId,
        log: log.child({ requestId }),
        config,
        services,
      };
    },
  });

  async function ready(res: ServerResponse) {
    const ok = await db.ping(1000);
    sendJson(res, ok ? 200 : 503, ok ? { status: 'ready' } : { status: 'unavailable', reason: 'database does not answer' });
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (path === '/ready') return void ready(res);
    const scope: RequestScope = { requestId, statements: 0, sqlMs: 0 };
    const mediaType = compiled && path === '/graphql' ? fastPathMediaType(req) : null;
    db.stats.runInScope(scope, () => {
      if (mediaType) void fastGraphql(req, res, mediaType);
      else void yoga.requestListener(req, res);
    });
  }

  async function fastGraphql(req: IncomingMessage, res: ServerResponse, mediaType: string) {
    const read = await readBody(req, config.limits.maxBodyBytes);
    if (!read.ok) {
      const message = read.status === 413 ? `Request body is larger than ${config.limits.maxBodyBytes} bytes.` : 'Request body could not be read.';
      return sendJson(res, read.status, { errors: [{ message, extensions: { code: read.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' } }] });
    }
    const params = parseParams(read.body);
    try {
      if (params && compiled && (await answerCompiled(compiled, params, mediaType, res))) return;
    } catch (error) {
      // The ordinary path reports database failures with their paths and codes.
      log.debug({ err: error }, 'compiled execution failed; using the resolvers');
    }
    try {
      await answerWithYoga((request) => yoga.fetch(request), req, read.body, res);
    } catch (error) {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    }
  }

  return {
    config,
    db,
    log,
    yoga,
    cache,
    handle,
    async close() {
      await yoga.dispose?.();
      await db.destroy();
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A GraphQLError raised on purpose (ours, or parse/validation), not a wrapped crash. */
function isOriginalGraphQLError(error: unknown): error is GraphQLError {
  // By name, as Yoga does: robust to a second copy of the graphql package.
  if (!(error instanceof Error) || error.name !== 'GraphQLError') return false;
  const original = (error as GraphQLError).originalError;
  return original == null || isOriginalGraphQLError(original);
}

function unwrap(error: unknown): unknown {
  return error instanceof GraphQLError && error.originalError ? error.originalError : error;
}
