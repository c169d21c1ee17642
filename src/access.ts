// Who may run which operation, the one table both execution paths and the
// use-cases consult (row rules, which rows a viewer sees, are conditions in
// the domain definitions: visibleUsers, visibleOrders). With authentication
// off every viewer is an admin, so nothing here refuses anything.
//
// | operation                                   | anonymous       | customer (sub = U)              | admin |
// | product, products, productCount, viewer     | yes             | yes                             | yes   |
// | user(id), order(id), orders, User.orders    | UNAUTHENTICATED | rows of U only (others absent)  | all   |
// | users                                       | UNAUTHENTICATED | FORBIDDEN                       | all   |
// | createUser, createProduct, restockProducts  | UNAUTHENTICATED | FORBIDDEN                       | yes   |
// | placeOrder                                  | UNAUTHENTICATED | userId = U only, else FORBIDDEN | any   |
// | cancelOrder                                 | UNAUTHENTICATED | U's orders only (else NOT_FOUND)| any   |
// | orderPlaced(userId)                         | UNAUTHENTICATED | U's only (another: FORBIDDEN)   | any   |
// | import and export jobs                      | UNAUTHENTICATED | FORBIDDEN                       | yes   |
import { ForbiddenError, UnauthenticatedError, type AppError } from './errors.ts';
import type { Viewer } from './viewer.ts';

/** Who may run an operation: everyone, any signed-in viewer (rows then narrowed by the row rules), or admins. */
type Audience = 'everyone' | 'signed-in' | 'admin';

const AUDIENCE = {
  product: 'everyone',
  products: 'everyone',
  productCount: 'everyone',
  viewer: 'everyone',
  user: 'signed-in',
  order: 'signed-in',
  orders: 'signed-in',
  placeOrder: 'signed-in',
  cancelOrder: 'signed-in',
  orderPlaced: 'signed-in',
  users: 'admin',
  createUser: 'admin',
  createProduct: 'admin',
  restockProducts: 'admin',
  importFile: 'admin',
  exportOrders: 'admin',
  job: 'admin',
  jobs: 'admin',
  cancelJob: 'admin',
  jobProgress: 'admin',
} as const satisfies Record<string, Audience>;

export type Operation = keyof typeof AUDIENCE;

/** The refusal of `operation` for this viewer, or null when it may run (an unknown operation is for admins). */
export function accessError(viewer: Viewer, operation: string): AppError | null {
  const audience: Audience = AUDIENCE[operation as Operation] ?? 'admin';
  if (audience === 'everyone' || viewer.kind === 'admin') return null;
  if (viewer.kind === 'anonymous') return new UnauthenticatedError(`${operation} needs a token: send "Authorization: Bearer <token>".`);
  return audience === 'admin' ? new ForbiddenError(`${operation} is for admins; a customer token may not run it.`) : null;
}

/** Throws accessError's refusal, if any. */
export function requireAccess(viewer: Viewer, operation: Operation): void {
  const error = accessError(viewer, operation);
  if (error) throw error;
}

/** Whose orders a viewer may place or hear of: a customer only their own, anyone else any user's. */
export function requireOwnUser(viewer: Viewer, userId: string, operation: Operation, argument: string): void {
  if (viewer.kind === 'customer' && viewer.userId !== userId) {
    throw new ForbiddenError(`A customer may only ${operation === 'placeOrder' ? 'place orders' : 'follow the orders'} of their own user (${viewer.userId}); ${argument} is ${userId}.`);
  }
}
