// The user domain as data: its table, how each field of User is stored, and
// UserFilter as conditions. The repositories, the resolvers and the compiled
// path all read these, so a field or filter is written here once.
import { contains, type Condition } from '../db/conditions.ts';
import { column, type FieldDef } from '../fields.ts';

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

export function userConditions(filter: UserFilterInput | null | undefined): Condition[] {
  return filter?.search ? [contains(['name', 'email'], filter.search)] : [];
}
