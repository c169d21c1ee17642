// All SQL about users. Functions take the Kysely handle (or a transaction)
// first and return rows; they know nothing of GraphQL.
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/database.ts';
import { driverErrorCode } from '../db/pool.ts';
import { ConflictError } from '../errors.ts';
import { likeContains, toListStats, type ListStats } from '../db/sql-helpers.ts';

export interface UserFilterValues {
  search?: string | null;
}

export async function findUsersByIds(db: Kysely<Database>, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
}

function filtered(db: Kysely<Database>, filter: UserFilterValues | null | undefined) {
  let query = db.selectFrom('users');
  if (filter?.search) {
    const search = filter.search;
    query = query.where((eb) => eb.or([likeContains('name', search), likeContains('email', search)]));
  }
  return query;
}

/** One page in id order: first+1 rows so the caller can tell whether more follow. */
export async function findUsersPage(
  db: Kysely<Database>,
  args: { first: number; afterId: string | null; filter?: UserFilterValues | null },
): Promise<UserRow[]> {
  let query = filtered(db, args.filter).selectAll();
  if (args.afterId !== null) query = query.where('id', '>', args.afterId);
  return query.orderBy('id').limit(args.first + 1).execute();
}

export async function countUsers(db: Kysely<Database>, filter?: UserFilterValues | null): Promise<ListStats> {
  const row = await filtered(db, filter)
    .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min<string | null>('id').as('minId')])
    .executeTakeFirst();
  return toListStats(row);
}

/** createUser's CONFLICT for an email in use (shared with the bulk import). */
export function emailTakenError(email: string): ConflictError {
  return new ConflictError(`input.email "${email}" is already used by another user`, 'input.email');
}

/** Inserts a user and returns its id; an email already in use (compared case-insensitively) is CONFLICT. */
export async function insertUser(db: Kysely<Database>, values: { name: string; email: string }): Promise<string> {
  try {
    const result = await db.insertInto('users').values(values).executeTakeFirstOrThrow();
    return String(result.insertId);
  } catch (error) {
    // The unique index decides, so two concurrent creations cannot both win.
    if (driverErrorCode(error) === 'ER_DUP_ENTRY') {
      throw emailTakenError(values.email);
    }
    throw error;
  }
}
