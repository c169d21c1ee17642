// All per-request loaders, built fresh for each request so no cache outlives it
// and no user ever sees another request's rows.
import type { Kysely } from 'kysely';
import type { Database } from './db/database.ts';
import type { LoaderOptions } from './db/loader-helpers.ts';
import { createOrderLoaders } from './orders/order.loaders.ts';
import { createProductLoaders } from './products/product.loaders.ts';
import { createUserLoaders } from './users/user.loaders.ts';

export function createLoaders(db: Kysely<Database>, options: LoaderOptions) {
  return {
    ...createUserLoaders(db, options),
    ...createProductLoaders(db, options),
    ...createOrderLoaders(db, options),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
