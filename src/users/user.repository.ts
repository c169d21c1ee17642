// All SQL about users. Functions take the session (the pool or a
// transaction) first and return rows; they know nothing of GraphQL. Which
// rows a list holds comes as conditions (user.fields.ts).
import type { Condition } from '../db/conditions.ts';
import type { UserRow } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { driverErrorCode } from '../db/driver-errors.ts';
import { all, countOf, first, qb, run, where } from '../db/query-builder.ts';
import { toListStats, type ListStats } from '../db/sql-helpers.ts';
import { ConflictError } from '../errors.ts';
import { USER_TABLE } from './user.fields.ts';

/** The users of these ids that meet `conditions` (the viewer's row rule); the others are simply absent. */
export async function findUsersByIds(db: SqlSession, ids: readonly string[], conditions: readonly Condition[] = []): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return all(db, filtered(conditions).selectAll().where('id', 'in', ids));
}

function filtered(conditions: readonly Condition[]) {
  const query = qb.selectFrom('users');
  return conditions.length ? query.where(where(conditions, USER_TABLE)) : query;
}

/** One page in id order: first+1 rows so the caller can tell whether more follow. */
export async function findUsersPage(db: SqlSession, args: { first: number; afterId: string | null; where: readonly Condition[] }): Promise<UserRow[]> {
  let query = filtered(args.where).selectAll();
  if (args.afterId !== null) query = query.where('id', '>', args.afterId);
  return all(db, query.orderBy('id').limit(args.first + 1));
}

export async function countUsers(db: SqlSession, conditions: readonly Condition[]): Promise<ListStats> {
  const row = await first(
    db,
    filtered(conditions).select((eb) => [countOf(USER_TABLE, conditions).as('count'), eb.fn.min<string | null>('id').as('minId')]),
  );
  return toListStats(row);
}

/** createUser's CONFLICT for an email in use (shared with the bulk import). */
export function emailTakenError(email: string): ConflictError {
  return new ConflictError(`input.email "${email}" is already used by another user`, 'input.email');
}

/** Inserts a user and returns its id; an email already in use (compared case-insensitively) is CONFLICT. */
export async function insertUser(db: SqlSession, values: { name: string; email: string }): Promise<string> {
  try {
    const result = await run(db, qb.insertInto('users').values(values));
    return String(result.insertId);
  } catch (error) {
    // The unique index decides, so two concurrent creations cannot both win.
    if (driverErrorCode(error) === 'ER_DUP_ENTRY') {
      throw emailTakenError(values.email);
    }
    throw error;
  }
}
