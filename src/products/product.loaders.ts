// Per-request loaders of products.
import type { SqlSession } from '../db/direct.ts';
import { byIdLoader, type LoaderOptions } from '../db/loader-helpers.ts';
import { findProductsByIds } from './product.repository.ts';

export function createProductLoaders(db: SqlSession, options: LoaderOptions) {
  return {
    productById: byIdLoader('productById', (ids) => findProductsByIds(db, ids), options),
  };
}
