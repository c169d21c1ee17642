// The user domain as data: its table, how each field of User is stored, and
// UserFilter as conditions, and which users a viewer may see. The
// repositories, the resolvers and the compiled path all read these, so a
// field, a filter or a row rule is written here once.
import { compare, contains, type Condition } from '../db/conditions.ts';
import { column, type FieldDef } from '../fields.ts';
import type { Viewer } from '../viewer.ts';

export const USER_TABLE = 'users';

/** User's fields stored on its row (orders, orderCount and totalSpent come from the orders). */
export const USER_FIELDS: Record<string, FieldDef> = {
  id: column('id', 'id'),
  name: column('name', 'string'),
  email: column('email', 'string'),
  createdAt: column('created_at', 'datetime'),
};

/** UserFilter as the client sends it. */
export interface UserFilterInput {
  search?: string | null;
}

/** The users a list holds: the viewer's row rule and UserFilter. */
export function userConditions(filter: UserFilterInput | null | undefined, viewer: Viewer): Condition[] {
  const conditions = visibleUsers(viewer);
  return filter?.search ? [...conditions, contains(['name', 'email'], filter.search)] : conditions;
}

/** The row rule: a customer sees only their own user; an admin every user. */
export function visibleUsers(viewer: Viewer): Condition[] {
  return viewer.kind === 'customer' ? [compare('id', '=', viewer.userId)] : [];
}
