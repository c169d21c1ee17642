// Per-request loaders of users, seeing only the users the viewer may see.
import type { SqlSession } from '../db/direct.ts';
import { byIdLoader, type LoaderOptions } from '../db/loader-helpers.ts';
import type { Viewer } from '../viewer.ts';
import { visibleUsers } from './user.fields.ts';
import { findUsersByIds } from './user.repository.ts';

export function createUserLoaders(db: SqlSession, options: LoaderOptions, viewer: Viewer) {
  const visible = visibleUsers(viewer);
  return {
    userById: byIdLoader('userById', (ids) => findUsersByIds(db, ids, visible), options),
  };
}
