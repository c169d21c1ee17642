// What a client sees of a failure, and what the operator's log gets, for
// both execution paths: Yoga's maskError (createMaskError) and the node:http
// fast path's answers (compiled/executor.ts through server.ts) use these
// functions, so the masked text, the request id and the log lines are the same.
//   - Errors raised on purpose (ours, parse and validation errors) pass on;
//     TIMEOUT and SERVICE_UNAVAILABLE also log their cause (the driver's error).
//   - Anything else is UNEXPECTED_ERROR_MESSAGE with INTERNAL_SERVER_ERROR and the
//     request id; the full error is logged under that id.
//   - Yoga's own REQUEST_ENTITY_TOO_LARGE, raised when its multipart parser stops
//     an upload's file at MAX_UPLOAD_BYTES, is said as our limit errors say it:
//     BAD_USER_INPUT (the client can send a smaller file) with HTTP 413.
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import type { SqlStats } from '../db/stats.ts';
import { isAppError, UNEXPECTED_ERROR_MESSAGE, type AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Logs an unexpected failure in full and gives the extensions the client sees instead. */
export function maskUnexpected(log: Logger, error: unknown, requestId: string | undefined): { code: 'INTERNAL_SERVER_ERROR'; requestId: string | undefined } {
  log.error({ err: error, requestId }, 'unexpected error');
  return { code: 'INTERNAL_SERVER_ERROR', requestId };
}

/** A TIMEOUT or SERVICE_UNAVAILABLE the client is told of: the operator's log keeps what caused it. */
export function noteServiceError(log: Logger, error: AppError, requestId: string | undefined): void {
  log.warn({ code: error.code, err: error.cause, requestId }, error.message);
}

/**
 * An AppError as the GraphQLError a plugin hands to Yoga or graphql-js (a
 * resolver's thrown AppError is wrapped by graphql-js itself).
 */
export function asGraphQLError(error: AppError, extensions: Record<string, unknown> = error.extensions): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions });
}

export interface MaskOptions {
  /** MAX_UPLOAD_BYTES, named in the refusal of an upload over it. */
  readonly maxUploadBytes?: number;
}

/** Yoga's maskError, built on the functions above. */
export function createMaskError(log: Logger, stats: SqlStats, options: MaskOptions = {}) {
  return function maskError(error: unknown): Error {
    const requestId = stats.currentScope()?.requestId;
    if (isAppError(error)) return asGraphQLError(error);
    if (options.maxUploadBytes !== undefined && isUploadTooLarge(error)) return uploadTooLarge(options.maxUploadBytes);
    if (isOriginalGraphQLError(error)) {
      const original = unwrap(error);
      if (isAppError(original) && (original.code === 'SERVICE_UNAVAILABLE' || original.code === 'TIMEOUT')) noteServiceError(log, original, requestId);
      return error;
    }
    const extensions = maskUnexpected(log, unwrap(error), requestId);
    const masked = yogaMaskError(error, UNEXPECTED_ERROR_MESSAGE, false) as GraphQLError;
    return new GraphQLError(masked.message, {
      nodes: masked.nodes,
      source: masked.source,
      positions: masked.positions,
      path: masked.path,
      extensions,
    });
  };
}

/** Yoga's refusal of a multipart file over its formDataLimits.fileSize. */
function isUploadTooLarge(error: unknown): boolean {
  return error instanceof Error && error.name === 'GraphQLError' && (error as GraphQLError).extensions?.code === 'REQUEST_ENTITY_TOO_LARGE';
}

function uploadTooLarge(max: number): GraphQLError {
  return new GraphQLError(`The file is over the upload limit of ${max} bytes (MAX_UPLOAD_BYTES); nothing was stored.`, {
    extensions: { code: 'BAD_USER_INPUT', limit: 'uploadBytes', max, http: { status: 413 } },
  });
}

/** A GraphQLError raised on purpose (parse/validation, or wrapping one of our AppErrors), not a wrapped crash. */
function isOriginalGraphQLError(error: unknown): error is GraphQLError {
  // By name, as Yoga does: robust to a second copy of the graphql package.
  if (!(error instanceof Error) || error.name !== 'GraphQLError') return false;
  const original = (error as GraphQLError).originalError;
  return original == null || isAppError(original) || isOriginalGraphQLError(original);
}

function unwrap(error: unknown): unknown {
  return error instanceof GraphQLError && error.originalError ? error.originalError : error;
}
