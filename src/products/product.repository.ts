// All SQL reading products. Functions take the session (the pool or a
// transaction) first and return rows; they know nothing of GraphQL.
import type { ProductRow } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { all, first, qb } from '../db/query-builder.ts';
import { likeContains, toListStats, type ListStats } from '../db/sql-helpers.ts';

export interface ProductFilterValues {
  search?: string | null;
  inStock?: boolean | null;
  /** Exact decimal strings ("12.50"), already validated. */
  minPrice?: string | null;
  maxPrice?: string | null;
}

export async function findProductsByIds(db: SqlSession, ids: readonly string[]): Promise<ProductRow[]> {
  if (ids.length === 0) return [];
  return all(db, qb.selectFrom('products').selectAll().where('id', 'in', ids));
}

function filtered(filter: ProductFilterValues | null | undefined) {
  let query = qb.selectFrom('products');
  if (!filter) return query;
  if (filter.search) {
    const search = filter.search;
    query = query.where((eb) => eb.or([likeContains('name', search), likeContains('sku', search)]));
  }
  if (filter.inStock === true) query = query.where('stock', '>', 0);
  if (filter.inStock === false) query = query.where('stock', '=', 0);
  if (filter.minPrice != null) query = query.where('price', '>=', filter.minPrice);
  if (filter.maxPrice != null) query = query.where('price', '<=', filter.maxPrice);
  return query;
}

/** One page in id order: first+1 rows so the caller can tell whether more follow. */
export async function findProductsPage(
  db: SqlSession,
  args: { first: number; afterId: string | null; filter?: ProductFilterValues | null },
): Promise<ProductRow[]> {
  let query = filtered(args.filter).selectAll();
  if (args.afterId !== null) query = query.where('id', '>', args.afterId);
  return all(db, query.orderBy('id').limit(args.first + 1));
}

export async function countProducts(db: SqlSession, filter?: ProductFilterValues | null): Promise<ListStats> {
  const row = await first(
    db,
    filtered(filter).select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min<string | null>('id').as('minId')]),
  );
  return toListStats(row);
}
