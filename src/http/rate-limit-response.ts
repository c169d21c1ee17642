// The answer to a request over its rate limit, for the node:http front
// (before any GraphQL work, so nothing executed) and, as a GraphQL error, for
// a path that answers through Yoga: HTTP 429 with Retry-After, and
// RATE_LIMITED naming the spent budget and when to try again.
import type { ServerResponse } from 'node:http';
import { RateLimitedError } from '../errors.ts';
import type { RateLimited } from './rate-limit.ts';

export function rateLimitedMessage(verdict: RateLimited): string {
  const what = verdict.limit === 'mutations' ? 'mutations' : 'requests';
  return `Too many ${what}: the limit is ${verdict.max} ${what} per minute for each client; try again in ${verdict.retryAfterSeconds} s.`;
}

export function rateLimitedError(verdict: RateLimited): RateLimitedError {
  return new RateLimitedError(rateLimitedMessage(verdict), verdict.retryAfterSeconds, verdict.limit, verdict.max);
}

/** Answers 429 with Retry-After and a GraphQL-shaped RATE_LIMITED body. */
export function sendRateLimited(res: ServerResponse, verdict: RateLimited, options: { requestId: string; mediaType?: string }): void {
  const body = JSON.stringify({
    errors: [
      {
        message: rateLimitedMessage(verdict),
        extensions: { code: 'RATE_LIMITED', limit: verdict.limit, max: verdict.max, retryAfterSeconds: verdict.retryAfterSeconds, requestId: options.requestId },
      },
    ],
  });
  res.writeHead(429, {
    'content-type': `${options.mediaType ?? 'application/json'}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
    'retry-after': String(verdict.retryAfterSeconds),
    'cache-control': 'no-store',
    'x-request-id': options.requestId,
  });
  res.end(body);
}
