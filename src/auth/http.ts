// How a refused token is answered, for the node:http front (which answers
// before Yoga or the compiled path sees the request) and for Yoga's path.
//
// A token that does not verify: HTTP 401 with
//   WWW-Authenticate: Bearer realm="shop", error="invalid_token", error_description="..."
// (RFC 6750 section 3) and a GraphQL-shaped body, error code UNAUTHENTICATED
// and `extensions.reason` (e.g. "expired", so a client knows to refresh).
// 401 whatever the Accept header: the request never reached GraphQL, so the
// GraphQL-over-HTTP rule of 200 for application/json does not apply, and
// HTTP clients and proxies act on 401 + WWW-Authenticate.
// The signing keys unavailable (JWKS down, nothing cached): 503 with
// Retry-After and SERVICE_UNAVAILABLE; the client's token may be fine.
// No token where the rules need one is a field error inside an ordinary
// GraphQL answer (other fields may still answer), not this response.
import type { ServerResponse } from 'node:http';
import { ServiceUnavailableError, UnauthenticatedError, type AppError } from '../errors.ts';
import type { AuthRefusal } from './authenticate.ts';

export const REALM = 'shop';
/** Seconds a client should wait after "keys unavailable" (the JWKS refetch cooldown is longer; a retry may hit the cache). */
const KEYS_RETRY_AFTER_S = 5;

/**
 * The WWW-Authenticate value: the challenge alone (for a request that needs
 * a token and sent none), or with the refusal's error (RFC 6750 allows
 * neither `"` nor `\` in error_description, so they become `'`).
 */
export function wwwAuthenticate(refusal?: AuthRefusal): string {
  if (!refusal) return `Bearer realm="${REALM}"`;
  const description = refusal.message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');
  return `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`;
}

/** The refusal as a GraphQL error, for a path that answers through Yoga. */
export function authRefusalError(refusal: AuthRefusal): AppError {
  const error = refusal.code === 'SERVICE_UNAVAILABLE' ? new ServiceUnavailableError(refusal.message) : new UnauthenticatedError(refusal.message);
  error.extensions.reason = refusal.reason;
  return error;
}

/** Answers a refused request: 401 (or 503) with its headers and a GraphQL-shaped body. Nothing else runs. */
export function sendAuthRefusal(res: ServerResponse, refusal: AuthRefusal, options: { requestId: string; mediaType?: string }): void {
  const body = JSON.stringify({
    errors: [{ message: refusal.message, extensions: { code: refusal.code, reason: refusal.reason, requestId: options.requestId } }],
  });
  const headers: Record<string, string | number> = {
    'content-type': `${options.mediaType ?? 'application/json'}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': options.requestId,
  };
  if (refusal.status === 401) headers['www-authenticate'] = wwwAuthenticate(refusal);
  else headers['retry-after'] = String(KEYS_RETRY_AFTER_S);
  res.writeHead(refusal.status, headers);
  res.end(body);
}
