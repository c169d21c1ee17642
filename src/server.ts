// createApp(config) builds everything a process serves: the database handle,
// the GraphQL schema with Yoga and its plugins, and the node:http handler in
// front of it. main.ts only wires it to a port; tests build it in-process.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createFetch } from '@whatwg-node/fetch';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, maskError as yogaMaskError, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { createDb, type Db } from './db/pool.ts';
import { Deadlines } from './deadlines.ts';
import type { RequestScope } from './db/stats.ts';
import { useResponseCacheInvalidation } from './cache/invalidation-plugin.ts';
import { createResponseCache } from './cache/create-cache.ts';
import { MUTATION_EFFECTS, type CachedEntity, type ResponseCache } from './cache/response-cache.ts';
import { isAppError, TimeoutError } from './errors.ts';
import { withBodyCap } from './http/body.ts';
import { isJobResultPath, serveJobResult } from './jobs/job-download.ts';
import { fastPathMediaType, parseParams, writeAnswer } from './http/graphql-fast-path.ts';
import { createLoaders } from './loaders.ts';
import { cancelOrder } from './orders/cancel-order.ts';
import { placeOrder } from './orders/place-order.ts';
import { createCompiledExecutor } from './planner/compiled-execution.ts';
import { createLogger, type Logger } from './logger.ts';
import { useInputErrorCodes } from './plugins/input-errors.ts';
import { useJitExecution } from './plugins/jit.ts';
import { useQueryLimits, withinLimits } from './plugins/limits.ts';
import { logRequest, logStatements, onRequestDone, useRequestFacts } from './plugins/logging.ts';
import { createMetrics } from './plugins/metrics.ts';
import { useRequestTimeout } from './plugins/timeout.ts';
import { createAppPubSub } from './pubsub.ts';
import { resolvers, typeDefs } from './schema.ts';
import type { Services } from './services.ts';

export interface AppOptions {
  /** Test hook: every loader batch's keys. */
  onLoaderBatch?: (loader: string, keys: readonly unknown[]) => void;
  /** Test hook: per execution on the Yoga path, whether graphql-jit ran it. */
  onJitDecision?: (jit: boolean) => void;
  logger?: Logger;
  /** This process's job workers, woken when a request queues a job (see src/jobs/start.ts). */
  jobs?: { wake(): void } | null;
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
  const pubsub = createAppPubSub(config, log);
  const services: Services = { db, pubsub, jobs: options.jobs ?? null };
  const loaderOptions = { maxBatchSize: config.maxBatchSize, onBatch: options.onLoaderBatch };
  const metrics = createMetrics(db);
  const stopStatementLog = logStatements(log, db.stats);

  const schema = createSchema<AppContext>({ typeDefs, resolvers });
  const cache = config.responseCache && config.compiledQueries ? createResponseCache(config, log) : null;
  // The Redis store's versions are shared by every gateway; the memory store
  // hears other gateways' writes through the pub/sub (Redis with REDIS_URL).
  const cacheFeed = cache?.kind === 'memory';
  /**
   * After a write commits: makes what it changed stale. With the Redis store the
   * mutation's answer waits for Redis (at most its command timeout), so the
   * client's next read, through any gateway, sees the write.
   */
  const invalidateCache = (entities: CachedEntity[]) => {
    if (!cache) return;
    const done = cache.invalidate(entities);
    if (cacheFeed) pubsub.publishCacheInvalidation(entities);
    return done;
  };
  const stopCacheFeed = cache && cacheFeed ? pubsub.onCacheInvalidation((entities) => void cache.invalidate(entities)) : () => {};
  const compiled = config.compiledQueries
    ? createCompiledExecutor(schema, db.direct, {
        maxObjects: config.compiledMaxObjects,
        deadlinePeriodMs: Deadlines.periodFor(config.limits.requestTimeoutMs),
        cache,
        preparedStatements: config.preparedStatements,
        maxTokens: config.limits.maxTokens,
        // Over any limit: decline, so the ordinary path answers QUERY_TOO_COMPLEX.
        admits: (document, variables, operationName) => withinLimits(schema, document, variables, operationName, config.limits),
        // As maskError does on the ordinary path: the driver's cause goes to the log.
        onServiceError: (error) => log.warn({ code: error.code, err: error.cause, requestId: db.stats.currentScope()?.requestId }, error.message),
        mutations: config.compiledMutations
          ? {
              run: (field, args) => (field === 'placeOrder' ? placeOrder(db, args.input, pubsub) : cancelOrder(db.kysely, args.id)),
              after: (field) => invalidateCache([...MUTATION_EFFECTS[field]!]),
              unexpected: (error) => {
                const requestId = db.stats.currentScope()?.requestId;
                log.error({ err: error, requestId }, 'unexpected error');
                return { requestId };
              },
            }
          : null,
      })
    : null;

  const yoga = createYoga<ServerContext, AppContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Shop GraphQL gateway' },
    healthCheckEndpoint: null as unknown as string,
    logging: false,
    // The body cap lives in the node:http front (src/http/body.ts); batching stays off.
    maxRequestBodySize: false,
    // Multipart uploads (importFile) stream past the body cap to Yoga's parser, which stops a file at MAX_UPLOAD_BYTES.
    fetchAPI: createFetch({ formDataLimits: { fileSize: config.jobs.maxUploadBytes, files: 1, fieldSize: config.limits.maxBodyBytes } }),
    batching: false,
    plugins: [
      // Facts first, so a request refused by a limit is still logged under its operation name.
      useRequestFacts(db.stats),
      useQueryLimits(config.limits),
      useRequestTimeout({ timeoutMs: config.limits.requestTimeoutMs, stats: db.stats }),
      useInputErrorCodes(),
      ...(cache ? [useResponseCacheInvalidation(invalidateCache)] : []),
      ...(config.graphqlJit ? useJitExecution(log, options.onJitDecision) : []),
    ],
    maskedErrors: {
      maskError(error, message): Error {
        const requestId = db.stats.currentScope()?.requestId;
        // Yoga's multipart parser stopped an upload's file at MAX_UPLOAD_BYTES: say so as our own limit errors do.
        if (error instanceof GraphQLError && error.extensions?.code === 'REQUEST_ENTITY_TOO_LARGE') return uploadTooLarge(config.jobs.maxUploadBytes);
        if (isOriginalGraphQLError(error)) {
          // Client-visible but worth an operator's look: keep the driver's cause in the log.
          const original = unwrap(error);
          if (isAppError(original) && (original.code === 'SERVICE_UNAVAILABLE' || original.code === 'TIMEOUT')) {
            log.warn({ code: original.code, err: original.cause, requestId }, original.message);
          }
          return error;
        }
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
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const scope: RequestScope = { requestId, statements: 0, sqlMs: 0, startedAt: performance.now() };
    onRequestDone(req, res, scope, path, (record) => {
      logRequest(log, record);
      metrics.observe(record);
    });
    const mediaType = compiled && path === '/graphql' ? fastPathMediaType(req) : null;
    // The fast path writes x-request-id among its own headers (writeHead is
    // cheaper with no headers set before it); every other answer gets it here.
    if (!mediaType) res.setHeader('x-request-id', requestId);
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (path === '/ready') return void ready(res);
    if (path === '/metrics') return void metrics.respond(res).catch(() => res.destroy());
    if (isJobResultPath(path)) return void serveJobResult(db, req, res).catch(() => res.destroy());
    const refused = () => {
      scope.errorCodes = ['QUERY_TOO_COMPLEX'];
      if (mediaType) res.setHeader('x-request-id', requestId);
    };
    db.stats.runInScope(scope, () => {
      withBodyCap(req, res, { maxBytes: config.limits.maxBodyBytes, maxUploadBytes: config.jobs.maxUploadBytes, requestId, onRefused: refused }, () => {
        if (mediaType) void fastGraphql(req, res, mediaType, scope);
        else void yoga.requestListener(req, res);
      });
    });
  }

  /** POST /graphql asking for JSON: compiled execution when it applies, else Yoga with the body already read. */
  async function fastGraphql(req: IncomingMessage, res: ServerResponse, mediaType: string, scope: RequestScope) {
    const body = (req as IncomingMessage & { body?: Buffer }).body;
    const params = body ? parseParams(body) : null;
    try {
      if (params && compiled) {
        const remaining = config.limits.requestTimeoutMs - (performance.now() - (scope.startedAt ?? performance.now()));
        const answer = await compiled.tryExecute(params, { timeoutMs: remaining });
        if (answer === 'timeout') {
          // As the request-timeout plugin answers on the ordinary path.
          scope.timedOut = true;
          scope.errorCodes = ['TIMEOUT'];
          const error = new TimeoutError(`The request took longer than its time limit of ${config.limits.requestTimeoutMs} ms.`);
          res.setHeader('x-request-id', scope.requestId);
          return sendJson(res, 200, { errors: [error.toJSON()], data: null }, mediaType);
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
    void yoga.requestListener(req, res);
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
      stopStatementLog();
      stopCacheFeed();
      metrics.close();
      await pubsub.close();
      await cache?.close();
      await db.destroy();
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, mediaType = 'application/json') {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function uploadTooLarge(max: number): GraphQLError {
  return new GraphQLError(`The file is over the upload limit of ${max} bytes (MAX_UPLOAD_BYTES); nothing was stored.`, {
    extensions: { code: 'BAD_USER_INPUT', limit: 'uploadBytes', max, http: { status: 413 } },
  });
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
