// The only reader of process.env. Everything else receives a validated,
// frozen Config, so tests can build the app in-process with any values.
import { loadTrustedDocuments, TrustedDocumentsError, type TrustedDocumentsPolicy } from './http/trusted-documents.ts';
import { tracingConfig, TracingConfigError, type TracingConfig } from './tracing/config.ts';
import { bool, ConfigError, int, parseDatabaseUrl, type DatabaseTarget, type Env } from './env-values.ts';

export type { TracingConfig } from './tracing/config.ts';
export { ConfigError, parseDatabaseUrl, type DatabaseTarget } from './env-values.ts';

export interface Config {
  /** mysql://user:pass@host:port/database */
  readonly databaseUrl: string;
  readonly database: DatabaseTarget;
  /** Read replicas of the database (DATABASE_REPLICA_URLS) and how they are used; no replicas: every statement goes to the primary. */
  readonly replication: ReplicationConfig;
  readonly port: number;
  readonly host: string;
  readonly dbPoolSize: number;
  readonly logLevel: LogLevel;
  readonly migrateOnStart: boolean;
  /** How often this process folds the counters' deltas into their totals (COUNTER_COMPACT_MS, src/db/counter-compaction.ts); 0 = never. */
  readonly counterCompactMs: number;
  /** Upper bound on keys per DataLoader batch (far below MySQL's 65,535 placeholders). */
  readonly maxBatchSize: number;
  /** Concurrent items of restockProducts (never more than the pool can serve). */
  readonly restockConcurrency: number;
  /** Optional Redis for pub/sub shared between gateway processes. */
  readonly redisUrl: string | null;
  readonly limits: Limits;
  readonly responseCache: boolean;
  /** How long a cached response may be served, in ms (out-of-band writes show up within it). */
  readonly responseCacheTtlMs: number;
  /** TTL of cached responses that only count products (productCount). */
  readonly responseCacheCountTtlMs: number;
  /** Where cached responses live: in process, or in Redis shared by every gateway. */
  readonly responseCacheStore: 'memory' | 'redis';
  /** Bound in bytes on the cached responses a process holds (the memory store, or the Redis store's local copy); an entry over 1/16 of it is not cached. */
  readonly responseCacheMaxBytes: number;
  /** Answer fully understood queries with one database-built JSON statement. */
  readonly compiledQueries: boolean;
  /** Run placeOrder/cancelOrder from the node:http front and answer from the written rows. */
  readonly compiledMutations: boolean;
  /** Run compiled statements as prepared statements. */
  readonly preparedStatements: boolean;
  /** Largest response, in objects, compiled into one statement. */
  readonly compiledMaxObjects: number;
  /** COMPILED_FORM: which roots the database writes as JSON, which are read as plain rows (src/compiled/forms.ts). */
  readonly compiledForm: CompiledForm;
  /** Execute what the compiled path declines with graphql-jit instead of graphql-js's executor. */
  readonly graphqlJit: boolean;
  /** TRUSTED_DOCUMENTS (a client-preset manifest, read at start) and TRUSTED_DOCUMENTS_ONLY; null when unset. */
  readonly trustedDocuments: TrustedDocumentsPolicy | null;
  readonly auth: AuthConfig;
  readonly rateLimit: RateLimitConfig;
  /** Background jobs (imports, exports): see src/jobs/. */
  readonly jobs: JobsConfig;
  /** OpenTelemetry traces from the OTEL_* variables (src/tracing/config.ts); off unless asked for. */
  readonly tracing: TracingConfig;
}

/** Token verification (src/auth/); neither jwtSecret nor jwksUrl set = authentication off. */
export interface AuthConfig {
  /** HS256 secret (AUTH_JWT_SECRET). */
  readonly jwtSecret: string | null;
  /** RS256/ES256 key set URL (AUTH_JWKS_URL). */
  readonly jwksUrl: string | null;
  /** Required `iss` (AUTH_JWT_ISSUER). */
  readonly issuer: string | null;
  /** Required `aud` (AUTH_JWT_AUDIENCE). */
  readonly audience: string | null;
}

/** Per-client request limits (src/http/rate-limit.ts); null = no limit. */
export interface RateLimitConfig {
  /** Requests per client per minute (RATE_LIMIT_PER_MINUTE). */
  readonly perMinute: number | null;
  /** Mutations per client per minute (RATE_LIMIT_MUTATIONS_PER_MINUTE), counted besides the requests. */
  readonly mutationsPerMinute: number | null;
}

export interface JobsConfig {
  /** Jobs this process runs at once (JOB_WORKERS); 0 = a process that only serves requests. */
  readonly workers: number;
  /** Finished jobs, their files and errors are deleted this long after they finished. */
  readonly retentionHours: number;
  /** A running job's lease: renewed by its worker's heartbeat; once it lapses another worker takes the job over. */
  readonly leaseMs: number;
  /** How often an idle worker looks for queued jobs. */
  readonly pollMs: number;
  /** Largest file importFile accepts. */
  readonly maxUploadBytes: number;
}

export interface ReplicationConfig {
  readonly replicas: readonly DatabaseTarget[];
  /** A replica further behind than this (REPLICA_MAX_LAG_MS) is out of rotation until it catches up. */
  readonly maxLagMs: number;
  /** How often each replica's lag and health are probed (REPLICA_PROBE_INTERVAL_MS). */
  readonly probeIntervalMs: number;
  /** How long a read that must see this process's last write waits for a replica before going to the primary (READ_YOUR_WRITES_WAIT_MS). */
  readonly readYourWritesWaitMs: number;
}

export interface Limits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxCost: number;
  readonly maxBodyBytes: number;
  readonly maxBatchOperations: number;
  /** Per-statement bound in ms (server-side max_statement_time plus driver timeout). */
  readonly statementTimeoutMs: number;
  /** Whole-request bound in ms. */
  readonly requestTimeoutMs: number;
  /** How long a request may wait for a pool connection, in ms. */
  readonly poolWaitMs: number;
  /** In-flight requests get this long to finish after SIGTERM, in ms. */
  readonly shutdownGraceMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** How the compiled path reads a root field: auto (by shape), json (database-built JSON), rows (plain rows, JSON written in Node). */
export type CompiledForm = 'auto' | 'json' | 'rows';
const COMPILED_FORMS: readonly CompiledForm[] = ['auto', 'json', 'rows'];

function compiledForm(env: Env): CompiledForm {
  const form = (env.COMPILED_FORM?.trim().toLowerCase() || 'auto') as CompiledForm;
  if (!COMPILED_FORMS.includes(form)) throw new ConfigError('COMPILED_FORM', `must be one of ${COMPILED_FORMS.join(', ')}, but got "${env.COMPILED_FORM}"`);
  return form;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const DEFAULT_DATABASE_URL = 'mysql://root@127.0.0.1:3306/shop';

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const database = parseDatabaseUrl(databaseUrl);
  const host = env.HOST?.trim() || '127.0.0.1';
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, but got "${env.LOG_LEVEL}"`);
  }
  const dbPoolSize = int(env, 'DB_POOL_SIZE', 10, 1, 1000);
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl !== null) {
    try {
      const u = new URL(redisUrl);
      if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error('protocol');
    } catch {
      throw new ConfigError('REDIS_URL', `must be a redis:// URL, but got "${redisUrl}"`);
    }
  }
  const storeRaw = env.RESPONSE_CACHE_STORE?.trim().toLowerCase() || (redisUrl ? 'redis' : 'memory');
  if (storeRaw !== 'memory' && storeRaw !== 'redis') {
    throw new ConfigError('RESPONSE_CACHE_STORE', `must be memory or redis, but got "${env.RESPONSE_CACHE_STORE}"`);
  }
  if (storeRaw === 'redis' && !redisUrl) {
    throw new ConfigError('RESPONSE_CACHE_STORE', 'is redis, but REDIS_URL is not set');
  }
  const config: Config = {
    databaseUrl,
    database,
    replication: replicationConfig(env, database),
    port: int(env, 'PORT', 4000, 0, 65535),
    host,
    dbPoolSize,
    logLevel,
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    counterCompactMs: int(env, 'COUNTER_COMPACT_MS', 1000, 0, 3_600_000),
    maxBatchSize: int(env, 'MAX_BATCH_SIZE', 1000, 1, 10000),
    restockConcurrency: Math.min(int(env, 'RESTOCK_CONCURRENCY', 4, 1, 100), dbPoolSize),
    redisUrl,
    responseCache: bool(env, 'RESPONSE_CACHE', false),
    responseCacheTtlMs: int(env, 'RESPONSE_CACHE_TTL_MS', 5000, 0, 3_600_000),
    responseCacheCountTtlMs: int(env, 'RESPONSE_CACHE_COUNT_TTL_MS', 60_000, 0, 3_600_000),
    responseCacheStore: storeRaw,
    responseCacheMaxBytes: int(env, 'RESPONSE_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
    compiledQueries: bool(env, 'COMPILED_QUERIES', true),
    preparedStatements: bool(env, 'PREPARED_STATEMENTS', true),
    compiledMutations: bool(env, 'COMPILED_MUTATIONS', true),
    compiledMaxObjects: int(env, 'COMPILED_MAX_OBJECTS', 20000, 1, 1_000_000),
    compiledForm: compiledForm(env),
    graphqlJit: bool(env, 'GRAPHQL_JIT', true),
    trustedDocuments: trustedDocuments(env),
    auth: authConfig(env),
    rateLimit: {
      perMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 1_000_000) || null,
      mutationsPerMinute: int(env, 'RATE_LIMIT_MUTATIONS_PER_MINUTE', 0, 0, 1_000_000) || null,
    },
    jobs: {
      workers: int(env, 'JOB_WORKERS', 2, 0, 64),
      retentionHours: int(env, 'JOB_RETENTION_HOURS', 72, 1, 24 * 366),
      leaseMs: int(env, 'JOB_LEASE_MS', 30_000, 500, 3_600_000),
      pollMs: int(env, 'JOB_POLL_MS', 1000, 10, 600_000),
      maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    },
    limits: {
      maxDepth: int(env, 'MAX_QUERY_DEPTH', 10, 1, 1000),
      maxAliases: int(env, 'MAX_QUERY_ALIASES', 30, 1, 10000),
      maxTokens: int(env, 'MAX_QUERY_TOKENS', 2000, 10, 1_000_000),
      maxCost: int(env, 'MAX_QUERY_COST', 100_000, 1, 1_000_000_000),
      maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      maxBatchOperations: int(env, 'MAX_BATCH_OPERATIONS', 10, 1, 1000),
      statementTimeoutMs: int(env, 'STATEMENT_TIMEOUT_MS', 5000, 10, 3_600_000),
      requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 10000, 10, 3_600_000),
      poolWaitMs: int(env, 'POOL_WAIT_MS', 2000, 10, 600_000),
      shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600_000),
    },
    tracing: tracing(env),
  };
  return deepFreeze(config);
}

function trustedDocuments(env: Env): TrustedDocumentsPolicy | null {
  const file = env.TRUSTED_DOCUMENTS?.trim();
  const only = bool(env, 'TRUSTED_DOCUMENTS_ONLY', false);
  if (!file) {
    if (only) throw new ConfigError('TRUSTED_DOCUMENTS_ONLY', 'is true, but TRUSTED_DOCUMENTS (the manifest of the documents to allow) is not set');
    return null;
  }
  try {
    return { documents: loadTrustedDocuments(file), only };
  } catch (error) {
    if (error instanceof TrustedDocumentsError) throw new ConfigError('TRUSTED_DOCUMENTS', error.message);
    throw error;
  }
}

function tracing(env: Env): TracingConfig {
  try {
    return tracingConfig(env);
  } catch (error) {
    if (error instanceof TracingConfigError) throw new ConfigError(error.variable, error.message);
    throw error;
  }
}

/** Messages never echo AUTH_JWT_SECRET: a bad value is described, not shown. */
function authConfig(env: Env): AuthConfig {
  const jwtSecret = env.AUTH_JWT_SECRET?.trim() || null;
  const jwksUrl = env.AUTH_JWKS_URL?.trim() || null;
  const issuer = env.AUTH_JWT_ISSUER?.trim() || null;
  const audience = env.AUTH_JWT_AUDIENCE?.trim() || null;
  if (jwtSecret !== null && jwksUrl !== null) {
    throw new ConfigError('AUTH_JWT_SECRET', 'is set together with AUTH_JWKS_URL; set one of them (HS256 secret or RS256/ES256 key set)');
  }
  // A secret an attacker can search: HS256 wants at least 256 bits.
  if (jwtSecret !== null && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('AUTH_JWT_SECRET', `must be at least 32 bytes (256 bits), but has ${Buffer.byteLength(jwtSecret)}`);
  }
  if (jwksUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(jwksUrl);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigError('AUTH_JWKS_URL', `must be an http:// or https:// URL, but got "${jwksUrl}"`);
    }
  }
  if (jwtSecret === null && jwksUrl === null) {
    // Checked "when set": set without a key, nothing would check them.
    if (issuer !== null) throw new ConfigError('AUTH_JWT_ISSUER', 'is set, but neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is, so authentication is off');
    if (audience !== null) throw new ConfigError('AUTH_JWT_AUDIENCE', 'is set, but neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is, so authentication is off');
  }
  return { jwtSecret, jwksUrl, issuer, audience };
}

/** DATABASE_REPLICA_URLS: comma-separated URLs; one without a database name serves the primary's. */
function replicationConfig(env: Env, primary: DatabaseTarget): ReplicationConfig {
  const replicas = (env.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => {
      const named = /^[a-z]+:\/\/[^/]*\/[^/?]/i.test(url);
      const target = parseDatabaseUrl(named ? url : `${url.replace(/\/?$/, '/')}${primary.name}`, 'DATABASE_REPLICA_URLS');
      if (target.name !== primary.name) {
        throw new ConfigError('DATABASE_REPLICA_URLS', `a replica must serve the primary's database "${primary.name}", but ${url} names "${target.name}"`);
      }
      if (target.host === primary.host && target.port === primary.port) {
        throw new ConfigError('DATABASE_REPLICA_URLS', `${url} is the primary itself (DATABASE_URL)`);
      }
      return target;
    });
  return {
    replicas,
    maxLagMs: int(env, 'REPLICA_MAX_LAG_MS', 1000, 1, 3_600_000),
    probeIntervalMs: int(env, 'REPLICA_PROBE_INTERVAL_MS', 1000, 50, 600_000),
    readYourWritesWaitMs: int(env, 'READ_YOUR_WRITES_WAIT_MS', 250, 0, 60_000),
  };
}

/** Config with overrides, for tests that build the app in-process. */
export function configWith(
  base: Config,
  overrides: Partial<Omit<Config, 'limits' | 'jobs'>> & { limits?: Partial<Limits>; jobs?: Partial<JobsConfig> },
): Config {
  const merged = {
    ...base,
    ...overrides,
    limits: { ...base.limits, ...overrides.limits },
    jobs: { ...base.jobs, ...overrides.jobs },
  } as Config;
  if (overrides.databaseUrl) (merged as { database: DatabaseTarget }).database = parseDatabaseUrl(overrides.databaseUrl);
  return deepFreeze(merged);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
