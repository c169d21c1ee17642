// What mysql2's failures mean for a client: the database cannot be reached
// (SERVICE_UNAVAILABLE), a statement ran past its limit (TIMEOUT), or
// anything else (passed on unchanged, e.g. ER_DUP_ENTRY for the repositories
// to map to their own errors). The one place driver codes are read.
import { ServiceUnavailableError, TimeoutError } from '../errors.ts';

/** Driver codes meaning "the database is not reachable right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'POOL_CLOSED',
]);
/** MariaDB max_statement_time, MySQL max_execution_time, driver-side timeout. */
const TIMEOUT_CODES = new Set(['ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT', 'PROTOCOL_SEQUENCE_TIMEOUT']);
/** mysql2 has no name for MariaDB's 1969 (max_statement_time exceeded): its `code` is undefined. */
const TIMEOUT_ERRNOS = new Map([
  [1969, 'ER_STATEMENT_TIMEOUT'],
  [3024, 'ER_QUERY_TIMEOUT'],
]);

/** True for a driver code meaning the database cannot be reached (start-up retries these). */
export function isUnreachableCode(code: string | null): boolean {
  return code !== null && UNAVAILABLE_CODES.has(code);
}

export function driverErrorCode(error: unknown): string | null {
  if (error && typeof error === 'object') {
    if ('code' in error && typeof error.code === 'string') return error.code;
    if ('errno' in error && typeof error.errno === 'number') return TIMEOUT_ERRNOS.get(error.errno) ?? `ERRNO_${error.errno}`;
  }
  return null;
}

/** Turns driver failures a client can act on into typed errors; the rest pass unchanged. */
export function mapDriverError(error: unknown): unknown {
  if (error instanceof ServiceUnavailableError || error instanceof TimeoutError) return error;
  const code = driverErrorCode(error);
  if (code !== null && TIMEOUT_CODES.has(code)) {
    return withCause(new TimeoutError('A database statement ran past its time limit.'), error);
  }
  const fatal = !!(error && typeof error === 'object' && 'fatal' in error && error.fatal);
  if ((code !== null && UNAVAILABLE_CODES.has(code)) || (fatal && code !== 'PROTOCOL_SEQUENCE_TIMEOUT')) {
    return withCause(new ServiceUnavailableError(), error);
  }
  return error;
}

export function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}
