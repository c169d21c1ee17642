// What every resolver receives, built once per request: the viewer, the
// database handle, the event feed, fresh loaders that see only the viewer's
// rows, the request id, a logger bound to it, and this process's job workers.
import type { YogaInitialContext } from 'graphql-yoga';
import type { Config } from './config.ts';
import type { Db } from './db/pool.ts';
import type { JobWake } from './jobs/job-context.ts';
import type { Loaders } from './loaders.ts';
import type { Logger } from './logger.ts';
import type { AppPubSub } from './pubsub.ts';
import type { Viewer } from './viewer.ts';

export interface AppContext {
  /** Who the request acts for (an admin for everyone while authentication is off). */
  readonly viewer: Viewer;
  /** The one database handle: reads, writes and transactions (db.transaction). */
  readonly db: Db;
  /** Live events (orderPlaced): in-process, or through Redis when REDIS_URL is set. */
  readonly pubsub: AppPubSub;
  readonly loaders: Loaders;
  readonly requestId: string;
  readonly log: Logger;
  readonly config: Config;
  /** This process's job workers, woken when a request queues a job; null when it runs none (JOB_WORKERS=0, tests). */
  readonly jobs: JobWake | null;
}

export type Context = YogaInitialContext & AppContext;
