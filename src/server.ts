// createApp(config) wires everything a process serves: the database handle,
// the event feed, the response cache, the GraphQL schema with Yoga and its
// plugins, the compiled path, and the node:http front (src/http/front.ts).
// main.ts only wires it to a port; tests build it in-process.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createFetch } from '@whatwg-node/fetch';
import { createSchema, createYoga, type YogaServerInstance } from 'graphql-yoga';
import { wireResponseCache } from './cache/create-cache.ts';
import { useResponseCacheInvalidation } from './cache/invalidation-plugin.ts';
import { MUTATION_EFFECTS, type ResponseCache } from './cache/response-cache.ts';
import { createCompiledExecutor, type CompiledMutations } from './compiled/compiled-path.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { createDb, type Db } from './db/pool.ts';
import { Deadlines } from './deadlines.ts';
import { createFastPath } from './http/fast-path.ts';
import { createHttpFront, type ViewerRequest } from './http/front.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { renderGraphiQL, useGraphiQLAssets } from './http/graphiql.ts';
import type { JobWake } from './jobs/job-context.ts';
import { isJobResultPath, jobResultRoute } from './jobs/job-download.ts';
import { createLoaders } from './loaders.ts';
import { createLogger, type Logger } from './logger.ts';
import { cancelOrder } from './orders/cancel-order.ts';
import { placeOrder } from './orders/place-order.ts';
import { useInputErrorCodes } from './plugins/input-errors.ts';
import { useJitExecution } from './plugins/jit.ts';
import { admittedCost, useQueryLimits } from './plugins/limits.ts';
import { logStatements, useRequestFacts } from './plugins/logging.ts';
import { createMaskError, maskUnexpected, noteServiceError } from './plugins/masking.ts';
import { createMetrics } from './plugins/metrics.ts';
import { useRequestGuards } from './plugins/request-guards.ts';
import { useRequestTimeout } from './plugins/timeout.ts';
import { useTracing } from './plugins/tracing.ts';
import { useTrustedDocuments } from './plugins/trusted-documents.ts';
import { createAppPubSub, eventScope } from './pubsub.ts';
import { ADMIN_WITHOUT_USER, ANONYMOUS } from './viewer.ts';
import { resolvers, typeDefs } from './schema.ts';
import type { Tracing } from './tracing/tracing.ts';

export interface AppOptions {
  /** Test hook: every loader batch's keys. */
  onLoaderBatch?: (loader: string, keys: readonly unknown[]) => void;
  /** Test hook: per execution on the Yoga path, whether graphql-jit ran it. */
  onJitDecision?: (jit: boolean) => void;
  logger?: Logger;
  /** This process's job workers (src/jobs/start.ts), woken when a request queues a job. */
  jobs?: JobWake | null;
  /** OpenTelemetry traces (src/tracing/start.ts, started by main.ts when OTEL_* asks for them); null: off. */
  tracing?: Tracing | null;
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

// Yoga's server context: the node:http request, as the front passed it on (with its viewer).
type ServerContext = { req?: ViewerRequest };

export function createApp(config: Config, options: AppOptions = {}): App {
  const tracing = options.tracing ?? null;
  const log = options.logger ?? createLogger(config.logLevel, tracing ? { fields: tracing.logFields } : {});
  const db = createDb(config, { readReplicas: true, log, tracing });
  const requestId = () => db.stats.currentScope()?.requestId;
  const pubsub = createAppPubSub(config, log);
  const metrics = createMetrics(db);
  const stopStatementLog = logStatements(log, db.stats);
  const cache = config.responseCache && config.compiledQueries ? wireResponseCache(config, log, pubsub) : null;
  const auth = createAuthenticator(config.auth, { log });
  const limiter = createRateLimiter(config.rateLimit, { redisUrl: config.redisUrl, scope: eventScope(config), log });
  // A request that reached Yoga some other way than through the front (none does) acts for nobody.
  const noViewer = auth.enabled ? ANONYMOUS : ADMIN_WITHOUT_USER;
  const schema = createSchema<AppContext>({ typeDefs, resolvers });
  const loaderOptions = { maxBatchSize: config.maxBatchSize, onBatch: options.onLoaderBatch };
  const jobs = options.jobs ?? null;

  const yoga = createYoga<ServerContext, AppContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Shop GraphQL gateway' },
    // GraphiQL from this process, not a CDN (src/http/graphiql.ts), so it works offline.
    renderGraphiQL,
    healthCheckEndpoint: null as unknown as string,
    logging: false,
    // The body cap lives in the node:http front (src/http/body.ts); batching stays off.
    maxRequestBodySize: false,
    // Multipart uploads (importFile) stream past the body cap to Yoga's parser, which stops a file at MAX_UPLOAD_BYTES.
    fetchAPI: createFetch({ formDataLimits: { fileSize: config.jobs.maxUploadBytes, files: 1, fieldSize: config.limits.maxBodyBytes } }),
    batching: false,
    plugins: [
      // First, so its operation span wraps what every other plugin does.
      ...(tracing ? [useTracing(tracing, { responseCache: cache !== null })] : []),
      useGraphiQLAssets(),
      // Facts first, so a request refused by a limit is still logged under its operation name.
      useRequestFacts(db.stats),
      useRequestGuards(),
      ...(config.trustedDocuments ? [useTrustedDocuments(config.trustedDocuments)] : []),
      useQueryLimits(config.limits),
      useInputErrorCodes(),
      ...(cache ? [useResponseCacheInvalidation(cache.invalidate)] : []),
      ...(config.graphqlJit ? useJitExecution(log, options.onJitDecision) : []),
      // After graphql-jit, whose executor it must wrap: a plugin's setExecuteFn replaces the ones before it.
      useRequestTimeout({ timeoutMs: config.limits.requestTimeoutMs, stats: db.stats }),
    ],
    maskedErrors: { maskError: createMaskError(log, db.stats, { maxUploadBytes: config.jobs.maxUploadBytes }) },
    context({ req }) {
      const id = requestId() ?? randomUUID();
      const viewer = req?.viewer ?? noViewer;
      return { viewer, db, pubsub, loaders: createLoaders(db, loaderOptions, viewer), requestId: id, log: log.child({ requestId: id }), config, jobs };
    },
  });

  // The same use-cases and follow-ups as the resolvers, for mutations the fast path answers.
  const mutations: CompiledMutations | null = config.compiledMutations
    ? {
        run: (field, args, viewer) => (field === 'placeOrder' ? placeOrder(db, args.input, viewer, pubsub) : cancelOrder(db, args.id, viewer)),
        after: (field) => cache?.invalidate([...MUTATION_EFFECTS[field]!]),
        unexpected: (error) => maskUnexpected(log, error, requestId()),
      }
    : null;
  const compiled = config.compiledQueries
    ? createCompiledExecutor(schema, db, {
        maxObjects: config.compiledMaxObjects,
        form: config.compiledForm,
        deadlinePeriodMs: Deadlines.periodFor(config.limits.requestTimeoutMs),
        cache: cache?.cache ?? null,
        preparedStatements: config.preparedStatements,
        maxTokens: config.limits.maxTokens,
        // Over any limit: decline, so the ordinary path answers QUERY_TOO_COMPLEX.
        measure: (document, variables, operationName) => admittedCost(schema, document, variables, operationName, config.limits),
        onServiceError: (error) => noteServiceError(log, error, requestId()),
        mutations,
      })
    : null;

  if (compiled && config.trustedDocuments) compiled.prepare(config.trustedDocuments.documents.texts());

  const yogaHandler = (req: IncomingMessage, res: ServerResponse) => void yoga.requestListener(req, res);
  const handle = createHttpFront({
    log,
    stats: db.stats,
    metrics,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxUploadBytes: config.jobs.maxUploadBytes,
    maxTokens: config.limits.maxTokens,
    auth,
    limiter,
    ready: () => db.ping(1000),
    readyDetails: () => (config.replication.replicas.length ? { replicas: db.replicas().map(({ server, inRotation, lagMs, reason }) => ({ server, inRotation, lagMs, reason })) } : {}),
    // GET /jobs/<id>/result: an export's file.
    routes: jobResultRoute(db),
    routeOf: (path) => (isJobResultPath(path) ? '/jobs/{id}/result' : null),
    tracing,
    yoga: yogaHandler,
    fastPath: compiled
      ? createFastPath({
          compiled,
          yoga: yogaHandler,
          trustedDocuments: config.trustedDocuments,
          requestTimeoutMs: config.limits.requestTimeoutMs,
          log,
          tracing,
          responseCache: cache !== null,
        })
      : null,
  });

  return {
    config,
    db,
    log,
    yoga,
    cache: cache?.cache ?? null,
    handle,
    async close() {
      await yoga.dispose?.();
      stopStatementLog();
      metrics.close();
      await pubsub.close();
      await cache?.close();
      await limiter.close();
      await db.destroy();
    },
  };
}
