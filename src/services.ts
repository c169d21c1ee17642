// Process-wide collaborators handed to resolvers through the context.
import type { Db } from './db/pool.ts';
import type { AppPubSub } from './pubsub.ts';

export interface Services {
  readonly db: Db;
  /** Live events (orderPlaced): in-process, or through Redis when REDIS_URL is set. */
  readonly pubsub: AppPubSub;
  /** This process's job workers, woken when a job is queued here; null when it runs none (JOB_WORKERS=0). */
  readonly jobs?: { wake(): void } | null;
}
