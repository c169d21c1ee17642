// Per-request loaders of users.
import type { SqlSession } from '../db/direct.ts';
import { byIdLoader, type LoaderOptions } from '../db/loader-helpers.ts';
import { findUsersByIds } from './user.repository.ts';

export function createUserLoaders(db: SqlSession, options: LoaderOptions) {
  return {
    userById: byIdLoader('userById', (ids) => findUsersByIds(db, ids), options),
  };
}
