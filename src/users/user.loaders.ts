// Per-request loaders of users.
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { byIdLoader, type LoaderOptions } from '../db/loader-helpers.ts';
import { findUsersByIds } from './user.repository.ts';

export function createUserLoaders(db: Kysely<Database>, options: LoaderOptions) {
  return {
    userById: byIdLoader('userById', (ids) => findUsersByIds(db, ids), options),
  };
}
