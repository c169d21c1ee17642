// All SQL reading products. Functions take the session (the pool or a
// transaction) first and return rows; they know nothing of GraphQL. Which
// rows a list holds comes as conditions (product.fields.ts).
import type { Condition } from '../db/conditions.ts';
import type { ProductRow } from '../db/database.ts';
import type { SqlSession } from '../db/direct.ts';
import { all, countOf, first, qb, where } from '../db/query-builder.ts';
import { toListStats, type ListStats } from '../db/sql-helpers.ts';
import { PRODUCT_TABLE } from './product.fields.ts';

export async function findProductsByIds(db: SqlSession, ids: readonly string[]): Promise<ProductRow[]> {
  if (ids.length === 0) return [];
  return all(db, qb.selectFrom('products').selectAll().where('id', 'in', ids));
}

function filtered(conditions: readonly Condition[]) {
  const query = qb.selectFrom('products');
  return conditions.length ? query.where(where(conditions, PRODUCT_TABLE)) : query;
}

/** One page in id order: first+1 rows so the caller can tell whether more follow. */
export async function findProductsPage(
  db: SqlSession,
  args: { first: number; afterId: string | null; where: readonly Condition[] },
): Promise<ProductRow[]> {
  let query = filtered(args.where).selectAll();
  if (args.afterId !== null) query = query.where('id', '>', args.afterId);
  return all(db, query.orderBy('id').limit(args.first + 1));
}

export async function countProducts(db: SqlSession, conditions: readonly Condition[]): Promise<ListStats> {
  const row = await first(
    db,
    filtered(conditions).select((eb) => [countOf(PRODUCT_TABLE, conditions).as('count'), eb.fn.min<string | null>('id').as('minId')]),
  );
  return toListStats(row);
}
