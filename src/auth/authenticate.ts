// Token verification: `Authorization: Bearer <JWT>` to a Viewer, or a
// refusal, before any parse or SQL. One function for every way in (the
// node:http fast path, Yoga's handler, SSE), so they cannot disagree.
//
// - AUTH_JWT_SECRET: HS256 only. AUTH_JWKS_URL: RS256 or ES256 only, so an
//   HS256 token "signed" with the public key as its secret (the algorithm
//   confusion attack) and `alg: none` are refused by the allowlist, never
//   reaching a key. jose does the cryptography; nothing here is hand-rolled.
// - `exp` is required (a token that never expires cannot be taken back);
//   `nbf` and `exp` are checked with 5 s of clock tolerance; AUTH_JWT_ISSUER
//   and AUTH_JWT_AUDIENCE, when set, must match `iss` / `aud`.
// - No header: anonymous. A header that is there but not a valid token is
//   refused, never treated as anonymous (a client with a broken token should
//   hear so, not get the public answers).
// - Authentication off (neither variable set): every request is an admin
//   without a user, whatever it sends, as before authentication existed.
// Neither tokens nor secrets are logged: a refusal logs its reason code.
import { errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { AuthConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { KeysUnavailableError, createRemoteKeySet, type KeySetOptions, type RemoteKeySet } from './jwks.ts';
import { ADMIN_WITHOUT_USER, ANONYMOUS, viewerFromClaims, type Viewer } from '../viewer.ts';

export type { Viewer } from '../viewer.ts';

/** Why a request was refused before anything ran; `message` is safe to show the client. */
export interface AuthRefusal {
  readonly kind: 'refused';
  readonly code: 'UNAUTHENTICATED' | 'SERVICE_UNAVAILABLE';
  /** 401 for a token that does not verify, 503 when the signing keys cannot be fetched. */
  readonly status: 401 | 503;
  /** A short reason code for logs and metrics (never the token). */
  readonly reason: RefusalReason;
  readonly message: string;
}

export type RefusalReason =
  | 'malformed_header'
  | 'too_long'
  | 'malformed_token'
  | 'algorithm'
  | 'signature'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_exp'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'claims'
  | 'keys_unavailable';

export interface Authenticator {
  /** False when neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set: every viewer is an admin. */
  readonly enabled: boolean;
  /** The Authorization header's viewer, or why it is refused. */
  authenticate(authorization: string | readonly string[] | undefined): Promise<Viewer | AuthRefusal>;
}

export interface AuthenticatorOptions {
  readonly log?: Logger;
  /** Cache and refetch timings of the JWKS (tests shorten them). */
  readonly keySet?: KeySetOptions;
}

/**
 * Longest Authorization header verified. A JWT of ours is ~300 bytes; one
 * from an identity provider rarely passes 2 KB. Longer ones are refused
 * before any decoding (node:http already refuses headers past 16 KB in all).
 */
export const MAX_AUTHORIZATION_LENGTH = 8192;
const CLOCK_TOLERANCE_S = 5;

export function isRefusal(value: Viewer | AuthRefusal): value is AuthRefusal {
  return value.kind === 'refused';
}

export function createAuthenticator(config: AuthConfig, options: AuthenticatorOptions = {}): Authenticator {
  const log = options.log;
  let key: Uint8Array | RemoteKeySet;
  let algorithms: string[];
  if (config.jwtSecret !== null) {
    key = new TextEncoder().encode(config.jwtSecret);
    algorithms = ['HS256'];
  } else if (config.jwksUrl !== null) {
    key = createRemoteKeySet(new URL(config.jwksUrl), { log, ...options.keySet });
    algorithms = ['RS256', 'ES256'];
  } else {
    return { enabled: false, authenticate: async () => ADMIN_WITHOUT_USER };
  }
  const verifyOptions: JWTVerifyOptions = {
    algorithms,
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_S,
    ...(config.issuer !== null ? { issuer: config.issuer } : {}),
    ...(config.audience !== null ? { audience: config.audience } : {}),
  };

  const refuse = (reason: RefusalReason, message: string): AuthRefusal => {
    log?.debug({ reason }, 'token refused');
    const unavailable = reason === 'keys_unavailable';
    return Object.freeze({
      kind: 'refused',
      code: unavailable ? 'SERVICE_UNAVAILABLE' : 'UNAUTHENTICATED',
      status: unavailable ? 503 : 401,
      reason,
      message,
    });
  };

  return {
    enabled: true,
    async authenticate(authorization) {
      if (authorization === undefined || authorization === '') return ANONYMOUS;
      if (typeof authorization !== 'string') return refuse('malformed_header', 'Send one Authorization header, "Bearer <token>".');
      if (authorization.length > MAX_AUTHORIZATION_LENGTH) {
        return refuse('too_long', `The Authorization header is longer than ${MAX_AUTHORIZATION_LENGTH} characters.`);
      }
      const match = /^Bearer +([A-Za-z0-9_.~+/=-]+) *$/i.exec(authorization);
      if (!match) return refuse('malformed_header', 'The Authorization header must be "Bearer <token>".');
      let claims: Record<string, unknown>;
      try {
        // The overloads differ by key type only; both take the same options.
        const verified = typeof key === 'function' ? await jwtVerify(match[1]!, key, verifyOptions) : await jwtVerify(match[1]!, key, verifyOptions);
        claims = verified.payload;
      } catch (error) {
        // Not jose's own refusal (a TypeError on odd input, say): worth a look, still a bad token.
        if (!(error instanceof errors.JOSEError) && !(error instanceof KeysUnavailableError)) {
          log?.warn({ errorType: error instanceof Error ? error.name : typeof error }, 'token verification failed unexpectedly');
        }
        return refuse(...describeFailure(error, algorithms));
      }
      const viewer = viewerFromClaims(claims);
      return 'refused' in viewer ? refuse('claims', viewer.refused) : viewer;
    },
  };
}

function describeFailure(error: unknown, algorithms: string[]): [RefusalReason, string] {
  if (error instanceof KeysUnavailableError) return ['keys_unavailable', `${error.message} Try again shortly.`];
  if (error instanceof errors.JWTExpired) return ['expired', 'The token has expired; get a new one.'];
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing' && error.claim === 'exp') return ['missing_exp', 'The token must carry an expiry ("exp" claim).'];
    if (error.claim === 'nbf') return ['not_yet_valid', 'The token is not valid yet ("nbf" is in the future).'];
    if (error.claim === 'iss') return ['wrong_issuer', 'The token\'s issuer ("iss") is not the one this gateway accepts.'];
    if (error.claim === 'aud') return ['wrong_audience', 'The token\'s audience ("aud") is not this gateway.'];
    return ['claims', `The token's "${error.claim}" claim is not valid.`];
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return ['algorithm', `The token's algorithm ("alg") is not accepted; this gateway accepts ${algorithms.join(' or ')}.`];
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return ['signature', 'The token\'s signature does not verify.'];
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return ['unknown_key', 'The token\'s signing key ("kid") is not one of this gateway\'s keys.'];
  }
  return ['malformed_token', 'The token is not a well-formed JWT.'];
}
