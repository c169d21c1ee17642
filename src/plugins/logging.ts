// What a request leaves behind in the logs: one JSON line when it ends (id,
// operation, status, duration, SQL statements from the request scope, error
// codes), and with LOG_LEVEL=debug one line per SQL statement. The envelop
// plugin gathers the GraphQL facts into the request scope (AsyncLocalStorage,
// see db/stats.ts) for any way into Yoga; the node:http front writes the
// line when the response closes, so refusals in front of Yoga (413) are
// logged the same way.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestScope, SqlStats } from '../db/stats.ts';
import type { Logger } from '../logger.ts';

/** One finished HTTP request, as logged and counted. */
export interface RequestRecord {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** GraphQL operation name, "anonymous", or null when no operation was read. */
  readonly operation: string | null;
  readonly durationMs: number;
  readonly sqlStatements: number;
  readonly sqlMs: number;
  readonly errorCodes: readonly string[];
  /** The client went away before the response was complete. */
  readonly aborted: boolean;
  /** With tracing on: the trace and the request's HTTP span. */
  readonly traceId?: string;
  readonly spanId?: string;
}

const PROBES = new Set(['/health', '/ready', '/metrics']);

/** Records the operation name and the error codes of the result in the request scope. */
export function useRequestFacts(stats: SqlStats): Plugin {
  const nameOperation = (document: DocumentNode, operationName: string | null | undefined) => {
    const scope = stats.currentScope();
    if (scope) scope.operationName = getOperationAST(document, operationName)?.name?.value ?? 'anonymous';
  };
  const recordErrors = (scope: RequestScope, result: unknown) => {
    const errors = (result as { errors?: readonly GraphQLError[] } | null)?.errors;
    scope.errorCodes = (errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
  };
  return {
    onParams({ params }) {
      const scope = stats.currentScope();
      if (scope && typeof params.operationName === 'string' && /^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(params.operationName)) {
        scope.operationName = params.operationName;
      }
    },
    onExecute({ args }) {
      nameOperation(args.document, args.operationName);
    },
    onSubscribe({ args }) {
      nameOperation(args.document, args.operationName);
    },
    // Every result of getResultForParams: parse, validation and execution errors, after masking.
    onExecutionResult({ result }) {
      const scope = stats.currentScope();
      if (scope && !Array.isArray(result)) recordErrors(scope, result);
    },
    // Results of Yoga's own handler that never reached execution (e.g. a refused batch).
    onResultProcess({ result }) {
      const scope = stats.currentScope();
      if (scope && scope.errorCodes === undefined && !Array.isArray(result)) recordErrors(scope, result);
    },
  };
}

/** Longest operation name logged or used as a metrics label; GraphQL sets none, a client could send 1 MB. */
const MAX_NAME_LENGTH = 100;

function boundedName(name: string | undefined): string | null {
  if (name === undefined) return null;
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}...` : name;
}

/** Calls `done` with the request's record once its response has closed (sent or aborted). */
export function onRequestDone(
  req: IncomingMessage,
  res: ServerResponse,
  scope: RequestScope,
  path: string,
  done: (record: RequestRecord) => void,
): void {
  const startedAt = scope.startedAt ?? performance.now();
  res.once('close', () => {
    const record: { -readonly [K in keyof RequestRecord]: RequestRecord[K] } = {
      requestId: scope.requestId,
      method: req.method ?? 'GET',
      path,
      status: res.statusCode,
      operation: boundedName(scope.operationName),
      durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
      sqlStatements: scope.statements,
      sqlMs: Math.round(scope.sqlMs * 100) / 100,
      errorCodes: scope.errorCodes ?? [],
      aborted: !res.writableFinished,
    };
    if (scope.traceId !== undefined) {
      record.traceId = scope.traceId;
      record.spanId = scope.spanId;
    }
    done(record);
  });
}

/** The request line: info for API requests, debug for health/ready/metrics probes. */
export function logRequest(log: Logger, record: RequestRecord): void {
  const level = PROBES.has(record.path) ? 'debug' : 'info';
  if (!log.isLevelEnabled(level)) return;
  log[level](record, 'request');
}

/** With debug enabled, one line per SQL statement (text, duration, request id); returns the unsubscribe. */
export function logStatements(log: Logger, stats: SqlStats): () => void {
  if (!log.isLevelEnabled('debug')) return () => {};
  return stats.onStatement((event, scope) => {
    log.debug(
      { requestId: scope?.requestId, sql: event.sql, durationMs: Math.round(event.durationMs * 100) / 100, errorCode: event.errorCode },
      'sql',
    );
  });
}
