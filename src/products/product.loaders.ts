// Per-request loaders of products.
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { byIdLoader, type LoaderOptions } from '../db/loader-helpers.ts';
import { findProductsByIds } from './product.repository.ts';

export function createProductLoaders(db: Kysely<Database>, options: LoaderOptions) {
  return {
    productById: byIdLoader('productById', (ids) => findProductsByIds(db, ids), options),
  };
}
