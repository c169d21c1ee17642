// Indexes for the filters the schema offers (OrderFilter, ProductFilter), each
// kept because a measured plan showed it pays. Measured on the bench data set
// at scale 20 (200,000 users, 40,000 products, 1,000,000 orders; bench/seed.ts
// --scale 20), rows read = the session's Handler_read_* delta of one statement,
// before -> after:
//
// - orders (status, id): MIN(id) WHERE status = ? (hasPreviousPage beside a
//   counted totalCount) 300,407 -> 0 rows ("Select tables optimized away");
//   COUNT(*) WHERE status = ? 1,000,000 -> 300,407 where no counter answers.
// - orders (created_at, id): COUNT(*) WHERE created_at >= '2026-01-01'
//   1,000,000 -> 35,201; a week between createdAfter and createdBefore
//   1,000,000 -> 20,160.
// - orders (status, created_at, id): COUNT(*) WHERE status = 'PAID' AND
//   created_at >= '2026-01-01' 35,201 (with the index above) -> 10,397, and
//   with createdBefore '2025-03-01' 1,000,000 -> 25,142 (without it the
//   optimizer scanned the table).
// - products (price, id): COUNT(*) WHERE price BETWEEN 990 AND 999.99
//   40,000 -> 372; a minPrice page of 20 by id 2,635 -> 393.
//
// Not added, because nothing pays: the substring searches (users.name/email,
// products.name/sku LIKE '%x%') read every row whatever the index; inStock
// (stock > 0) holds for nearly every product. A page by id with createdAfter
// alone still walks the primary key (964,819 rows for a recent date): the
// optimizer prefers the id order to the created_at range, an index does not
// change that. Built in place without locking the tables (ALGORITHM=INPLACE,
// LOCK=NONE): about 7 s for the three orders indexes at scale 20.
// Frozen in time: later changes go in new migrations.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE orders
      ADD INDEX orders_status_id (status, id),
      ADD INDEX orders_created_at_id (created_at, id),
      ADD INDEX orders_status_created_at (status, created_at, id),
      ALGORITHM=INPLACE, LOCK=NONE`.execute(db);
  await sql`ALTER TABLE products ADD INDEX products_price_id (price, id), ALGORITHM=INPLACE, LOCK=NONE`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE products DROP INDEX products_price_id`.execute(db);
  await sql`ALTER TABLE orders DROP INDEX orders_status_created_at, DROP INDEX orders_created_at_id, DROP INDEX orders_status_id`.execute(db);
}
