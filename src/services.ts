// Process-wide collaborators handed to resolvers through the context.
import type { Db } from './db/pool.ts';

export interface Services {
  readonly db: Db;
}
