// Who a request acts for, as the access rules (access.ts), the row rules of
// the domain definitions and the rate limits see it, and how a verified
// token's claims become one (auth/authenticate.ts verifies the token). The claims are fixed by the contract:
// `role` is "customer" or "admin"; a customer's user id is `sub`.
//
// An admin's `sub`: when it is a decimal id it names the admin's own shop
// user (Query.viewer answers that user); any other value (an identity
// provider's own subject, such as "auth0|5f7c..." or a service name) or none
// is accepted, and the admin then has no shop user (viewer is null). An
// admin may do everything whatever its sub says, so nothing rests on it but
// `viewer` and the rate-limit key.
import { MAX_ID } from './values.ts';

export type Viewer =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'customer'; readonly userId: string }
  | { readonly kind: 'admin'; readonly userId: string | null };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });
/** Every request's viewer while authentication is off (today's behaviour: anyone may do anything). */
export const ADMIN_WITHOUT_USER: Viewer = Object.freeze({ kind: 'admin', userId: null });

/**
 * Who may share a response: the same viewer only. A customer sees their own
 * rows; admins all see the same rows, but `viewer` answers each admin's own
 * user, so an admin with a user is a scope of its own too. (Anonymous
 * viewers read public data alone; the cache shares that across everyone.)
 */
export function viewerScope(viewer: Viewer): string {
  if (viewer.kind === 'anonymous') return 'anonymous';
  return viewer.userId === null ? viewer.kind : `${viewer.kind}:${viewer.userId}`;
}

/** A canonical decimal id (no sign, no leading zeros, at most BIGINT UNSIGNED), or null. */
export function decimalId(value: unknown): string | null {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,19}$/.test(value)) return null;
  return BigInt(value) <= MAX_ID ? value : null;
}

/** The viewer a verified token's claims name, or why they name none (a message safe to show the client). */
export function viewerFromClaims(claims: Record<string, unknown>): Viewer | { refused: string } {
  const { role, sub } = claims;
  if (role === 'customer') {
    if (sub === undefined) return { refused: 'A customer token must carry the user id in its "sub" claim.' };
    const userId = decimalId(sub);
    if (userId === null) return { refused: 'A customer token\'s "sub" claim must be a decimal user id such as "42".' };
    return Object.freeze({ kind: 'customer', userId });
  }
  if (role === 'admin') return Object.freeze({ kind: 'admin', userId: decimalId(sub) });
  if (role === undefined) return { refused: 'The token has no "role" claim; it must be "customer" or "admin".' };
  return { refused: 'The token\'s "role" claim must be "customer" or "admin".' };
}
