// Errors a client can act on: one class per extensions.code, raised by any
// layer (the database layer's TIMEOUT and SERVICE_UNAVAILABLE included), so
// they know no GraphQL. At the GraphQL edge graphql-js wraps a thrown one in
// a GraphQLError that takes its message and extensions; where a plugin hands
// one to Yoga itself it goes through asGraphQLError (plugins/masking.ts).
// Anything that is not one of these is masked as "Unexpected error." and
// logged in full with the request id.

export type ErrorCode =
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'INSUFFICIENT_STOCK'
  | 'QUERY_TOO_COMPLEX'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED';

/** What a client sees of a failure it cannot act on (plugins/masking.ts). */
export const UNEXPECTED_ERROR_MESSAGE = 'Unexpected error.';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  /** What the client sees beside the message: the code first, then details (field, limit, ...). */
  readonly extensions: { code: ErrorCode } & Record<string, unknown>;
  constructor(message: string, code: ErrorCode, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.extensions = { code, ...extra };
  }

  /** The error as a GraphQL response lists it (without locations and path). */
  toJSON(): { message: string; extensions: Record<string, unknown> } {
    return { message: this.message, extensions: this.extensions };
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
  constructor(message: string) {
    super(message, 'NOT_FOUND');
  }
}

/** The one wording of "no such row", shared by the resolvers and compiled queries. */
export function notFoundMessage(entity: 'user' | 'order' | 'product', id: string): string {
  return `No ${entity} with id "${id}"`;
}

export class BadUserInputError extends AppError {
  readonly code = 'BAD_USER_INPUT' as const;
  /** `field` names the argument or input field at fault, e.g. "input.email". */
  constructor(message: string, field?: string) {
    super(message, 'BAD_USER_INPUT', field ? { field } : {});
  }
}

export class ConflictError extends AppError {
  readonly code = 'CONFLICT' as const;
  constructor(message: string, field?: string) {
    super(message, 'CONFLICT', field ? { field } : {});
  }
}

export class InsufficientStockError extends AppError {
  readonly code = 'INSUFFICIENT_STOCK' as const;
  constructor(message: string, productId: string, requested: number, available: number) {
    super(message, 'INSUFFICIENT_STOCK', { productId, requested, available });
  }
}

export class QueryTooComplexError extends AppError {
  readonly code = 'QUERY_TOO_COMPLEX' as const;
  constructor(message: string, limit: string, value: number, max: number) {
    super(message, 'QUERY_TOO_COMPLEX', { limit, value, max });
  }
}

export class ServiceUnavailableError extends AppError {
  readonly code = 'SERVICE_UNAVAILABLE' as const;
  constructor(message = 'The database is unavailable; try again shortly.') {
    super(message, 'SERVICE_UNAVAILABLE');
  }
}

export class TimeoutError extends AppError {
  readonly code = 'TIMEOUT' as const;
  constructor(message = 'The request took longer than its time limit.') {
    super(message, 'TIMEOUT');
  }
}

/** No token, or a token that does not verify, where one is needed. */
export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'This needs a token: send "Authorization: Bearer <token>".') {
    super(message, 'UNAUTHENTICATED');
  }
}

/** The viewer's role may not do this. */
export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN' as const;
  constructor(message: string) {
    super(message, 'FORBIDDEN');
  }
}

/** Over a rate limit; `retryAfterSeconds` is also sent as the Retry-After header. */
export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(message: string, retryAfterSeconds: number, limit: 'requests' | 'mutations', max: number) {
    super(message, 'RATE_LIMITED', { limit, max, retryAfterSeconds });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
