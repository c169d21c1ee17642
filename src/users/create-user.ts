// createUser's rules: a trimmed name of 1-100 characters and an email that
// looks like name@domain and fits its column; uniqueness is left to the
// database's unique index (see insertUser), so concurrent requests agree.
import { requireAccess } from '../access.ts';
import type { UserRow } from '../db/database.ts';
import type { Viewer } from '../viewer.ts';
import type { SqlSession } from '../db/direct.ts';
import { BadUserInputError } from '../errors.ts';
import { checkText } from '../validation.ts';
import { findUsersByIds, insertUser } from './user.repository.ts';

export interface CreateUserValues {
  name: string;
  email: string;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function validateCreateUser(input: CreateUserValues): CreateUserValues {
  const name = checkText(input.name, 'input.name', 1, 100);
  const email = checkText(input.email, 'input.email', 1, 255);
  if (!EMAIL.test(email)) {
    throw new BadUserInputError(`input.email must look like name@domain.tld, but got ${JSON.stringify(email)}`, 'input.email');
  }
  return { name, email };
}

export async function createUser(db: SqlSession, input: CreateUserValues, viewer: Viewer): Promise<UserRow> {
  requireAccess(viewer, 'createUser');
  const values = validateCreateUser(input);
  const id = await insertUser(db, values);
  const [row] = await findUsersByIds(db, [id]);
  if (!row) throw new Error(`user ${id} vanished right after its insert`);
  return row;
}
