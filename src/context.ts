// What every resolver receives, built once per request: the database handle,
// fresh loaders, the request id and a logger bound to it.
import type { YogaInitialContext } from 'graphql-yoga';
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Loaders } from './loaders.ts';
import type { Logger } from './logger.ts';
import type { Services } from './services.ts';

export interface AppContext {
  readonly db: Kysely<Database>;
  readonly loaders: Loaders;
  readonly requestId: string;
  readonly log: Logger;
  readonly config: Config;
  readonly services: Services;
}

export type Context = YogaInitialContext & AppContext;
