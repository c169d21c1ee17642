// All SQL the import writes users and products with, as statements for the
// batch's transaction: built with qb (db/query-builder.ts, Kysely as a
// builder only) or written out, and sent by the transaction the caller holds.
import { CompiledQuery } from 'kysely';
import { qb } from '../db/query-builder.ts';
import type { CreateUserValues } from '../users/create-user.ts';
import type { NewProduct } from '../products/product.writes.ts';

export function insertUsersQuery(users: readonly CreateUserValues[]): CompiledQuery {
  return qb.insertInto('users').values(users.map(({ name, email }) => ({ name, email }))).compile();
}

/** One UPDATE for all rows: name by id (the email is the key, kept as stored). */
export function updateUsersQuery(updates: readonly { id: string; value: CreateUserValues }[]): CompiledQuery {
  return caseUpdate('users', updates.map(({ id, value }) => ({ id, set: { name: value.name } })));
}

export function insertProductsQuery(products: readonly NewProduct[]): CompiledQuery {
  return qb
    .insertInto('products')
    .values(products.map(({ sku, name, price, stock }) => ({ sku, name, price, stock })))
    .compile();
}

/** One UPDATE for all rows: name, price and stock by id (the sku is the key, kept as stored). */
export function updateProductsQuery(updates: readonly { id: string; value: NewProduct }[]): CompiledQuery {
  return caseUpdate(
    'products',
    updates.map(({ id, value }) => ({ id, set: { name: value.name, price: value.price, stock: value.stock } })),
  );
}

/** UPDATE table SET col = CASE id WHEN ? THEN ? ... END, ... WHERE id IN (...), columns from a fixed list. */
function caseUpdate(table: 'users' | 'products', rows: readonly { id: string; set: Record<string, unknown> }[]): CompiledQuery {
  const columns = Object.keys(rows[0]!.set);
  const params: unknown[] = [];
  const sets = columns.map((column) => {
    const cases = rows.map((row) => (params.push(row.id, row.set[column]), 'WHEN ? THEN ?')).join(' ');
    return `${column} = CASE id ${cases} END`;
  });
  for (const row of rows) params.push(row.id);
  return CompiledQuery.raw(`UPDATE ${table} SET ${sets.join(', ')} WHERE id IN (${rows.map(() => '?').join(', ')})`, params);
}
