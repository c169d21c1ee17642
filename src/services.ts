// Process-wide collaborators handed to resolvers through the context.
import type { Db } from './db/pool.ts';
import type { AppPubSub } from './pubsub.ts';

export interface Services {
  readonly db: Db;
  /** Live events (orderPlaced): in-process, or through Redis when REDIS_URL is set. */
  readonly pubsub: AppPubSub;
}
