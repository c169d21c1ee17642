// Counters the database keeps exact itself, so the counts the schema asks for
// most (all users, all orders, orders by status, a user's orders by status,
// all products) read a few rows instead of the table (src/db/counters.ts
// decides when a count may be answered from them, and folds the deltas).
// Triggers on the counted tables keep them right whoever writes, the gateway
// or plain SQL around it (the contract allows that): AFTER INSERT, AFTER
// UPDATE (status, user_id), AFTER DELETE.
//
// - A trigger only ever INSERTs one delta row (append-only tables with an
//   auto-increment key: user_count_deltas, product_count_deltas,
//   order_count_deltas, the last with the order's user and a -1/0/+1 per
//   status). It never updates a shared row, so it takes no lock another
//   writer waits for: a counted write can neither deadlock with another nor
//   queue behind one, whatever rows a plain-SQL statement touches and in
//   whichever order. (Counters updated in place did: a multi-row UPDATE
//   holding one user's counter row and waiting for a row an INSERT held,
//   which waited for that counter row.)
// - Totals (user_counts, product_counts, order_counts: one row, id 1) and
//   per-user rows (user_order_counts) are what the deltas folded so far add
//   up to; a count is the total plus the deltas not folded yet, read in one
//   statement, so it is exact at every moment. Folding (compactCounters in
//   src/db/counters.ts, run in the background by every gateway and worker
//   process) moves deltas into the totals in short transactions that skip
//   the deltas of transactions not yet committed.
// - TRUNCATE fires no trigger: whoever truncates a counted table must empty
//   the counter tables too (test/support/db.ts, bench/seed.ts do). Foreign key
//   cascades fire no trigger in MariaDB either: no cascade reaches users,
//   orders or products (orders -> users is RESTRICT; the cascade from orders
//   goes to order_items, which is not counted).
//
// The backfill runs online: the triggers exist first, then one consistent
// snapshot reads both the rows and what is counted so far (totals plus
// deltas), and the difference is added to the totals. Every write committed
// after the snapshot fired the triggers (CREATE TRIGGER waits for the
// transactions already writing the table), every write before it is in the
// snapshot's rows, and additions commute, so the counters are exact however
// many writes run meanwhile.
// Frozen in time: later changes go in new migrations.
import { sql, type Kysely } from 'kysely';

const STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const COLUMN = { PENDING: 'pending', PAID: 'paid', SHIPPED: 'shipped', CANCELLED: 'cancelled' } as const;
const COLUMNS = STATUSES.map((s) => COLUMN[s]).join(', ');

/** One order delta row: `user`, and per status the sum of `terms` (e.g. +NEW, -OLD), each -1, 0 or 1. */
function orderDelta(user: string, terms: readonly { row: 'NEW' | 'OLD'; sign: '+' | '-' }[]): string {
  const values = STATUSES.map((s) => terms.map((t) => `${t.sign === '-' ? '-' : ''}(${t.row}.status = '${s}')`).join(' + '));
  return `INSERT INTO order_count_deltas (user_id, ${COLUMNS}) VALUES (${user}, ${values.join(', ')});`;
}

const TRIGGERS: Record<string, string> = {
  users_count_insert: 'AFTER INSERT ON users FOR EACH ROW INSERT INTO user_count_deltas (n) VALUES (1)',
  users_count_delete: 'AFTER DELETE ON users FOR EACH ROW INSERT INTO user_count_deltas (n) VALUES (-1)',
  products_count_insert: 'AFTER INSERT ON products FOR EACH ROW INSERT INTO product_count_deltas (n) VALUES (1)',
  products_count_delete: 'AFTER DELETE ON products FOR EACH ROW INSERT INTO product_count_deltas (n) VALUES (-1)',
  orders_count_insert: `AFTER INSERT ON orders FOR EACH ROW ${orderDelta('NEW.user_id', [{ row: 'NEW', sign: '+' }])}`,
  orders_count_delete: `AFTER DELETE ON orders FOR EACH ROW ${orderDelta('OLD.user_id', [{ row: 'OLD', sign: '-' }])}`,
  // A status change moves one count between two columns of the user's
  // deltas; a change of user moves the order from one user to the other.
  orders_count_update: `AFTER UPDATE ON orders FOR EACH ROW BEGIN
    IF NEW.user_id = OLD.user_id THEN
      IF NOT (NEW.status <=> OLD.status) THEN
        ${orderDelta('NEW.user_id', [{ row: 'NEW', sign: '+' }, { row: 'OLD', sign: '-' }])}
      END IF;
    ELSE
      ${orderDelta('OLD.user_id', [{ row: 'OLD', sign: '-' }])}
      ${orderDelta('NEW.user_id', [{ row: 'NEW', sign: '+' }])}
    END IF;
  END`,
};

const STATUS_COLUMNS = STATUSES.map((s) => `${COLUMN[s]} BIGINT NOT NULL DEFAULT 0`).join(', ');
const DELTA_COLUMNS = STATUSES.map((s) => `${COLUMN[s]} TINYINT NOT NULL`).join(', ');
/** Per status, `SUM(status = 'X') AS x` over orders. */
const STATUS_SUMS = STATUSES.map((s) => `SUM(status = '${s}') AS ${COLUMN[s]}`).join(', ');
const TABLES = ['user_counts', 'product_counts', 'order_counts', 'user_order_counts', 'user_count_deltas', 'product_count_deltas', 'order_count_deltas'];
const BATCH = 2000;

export async function up(db: Kysely<any>): Promise<void> {
  const create = (text: string) => sql.raw(`CREATE TABLE ${text} ENGINE=InnoDB`).execute(db);
  for (const table of ['user_counts', 'product_counts']) {
    await create(`${table} (id TINYINT UNSIGNED NOT NULL, n BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (id))`);
  }
  await create(`order_counts (id TINYINT UNSIGNED NOT NULL, ${STATUS_COLUMNS}, PRIMARY KEY (id))`);
  await create(`user_order_counts (user_id BIGINT UNSIGNED NOT NULL, ${STATUS_COLUMNS}, PRIMARY KEY (user_id))`);
  for (const table of ['user_count_deltas', 'product_count_deltas']) {
    await create(`${table} (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, n TINYINT NOT NULL, PRIMARY KEY (id))`);
  }
  await create(`order_count_deltas (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, user_id BIGINT UNSIGNED NOT NULL, ${DELTA_COLUMNS}, PRIMARY KEY (id), KEY (user_id))`);
  for (const [name, body] of Object.entries(TRIGGERS)) await sql.raw(`CREATE TRIGGER ${name} ${body}`).execute(db);
  await backfill(db);
}

/** Adds to the totals what the rows hold beyond what is counted (totals plus deltas), both read in one snapshot (see the header). */
async function backfill(db: Kysely<any>): Promise<void> {
  const cols = STATUSES.map((s) => COLUMN[s]);
  const read = await db.connection().execute(async (conn) => {
    await sql`START TRANSACTION WITH CONSISTENT SNAPSHOT`.execute(conn);
    try {
      const one = async (text: string) => Number(((await sql.raw(text).execute(conn)).rows[0] as { n: unknown }).n ?? 0);
      const counted = (table: string) => `(SELECT COALESCE(SUM(n), 0) FROM ${table}_counts) + (SELECT COALESCE(SUM(n), 0) FROM ${table}_count_deltas)`;
      const users = (await one('SELECT COUNT(*) AS n FROM users')) - (await one(`SELECT ${counted('user')} AS n`));
      const products = (await one('SELECT COUNT(*) AS n FROM products')) - (await one(`SELECT ${counted('product')} AS n`));
      const rowsOf = async (text: string) => (await sql.raw(text).execute(conn)).rows as Record<string, unknown>[];
      const perUser = new Map<string, number[]>();
      const add = (user: unknown, row: Record<string, unknown>, sign: 1 | -1) => {
        const key = String(user);
        const have = perUser.get(key) ?? cols.map(() => 0);
        perUser.set(key, have.map((v, i) => v + sign * Number(row[cols[i]!] ?? 0)));
      };
      for (const row of await rowsOf(`SELECT user_id, ${STATUS_SUMS} FROM orders GROUP BY user_id`)) add(row.user_id, row, 1);
      for (const row of await rowsOf(`SELECT user_id, ${cols.join(', ')} FROM user_order_counts`)) add(row.user_id, row, -1);
      for (const row of await rowsOf(`SELECT user_id, ${cols.map((c) => `SUM(${c}) AS ${c}`).join(', ')} FROM order_count_deltas GROUP BY user_id`)) add(row.user_id, row, -1);
      return { users, products, perUser };
    } finally {
      await sql`COMMIT`.execute(conn);
    }
  });
  // The order totals are the sum of the per-user differences; the total row
  // first, then the users in ascending order, as compactCounters writes them.
  const entries = [...read.perUser].filter(([, v]) => v.some((n) => n !== 0)).sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const orders = cols.map((_, i) => entries.reduce((sum, [, v]) => sum + v[i]!, 0));
  const update = cols.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ');
  await db.transaction().execute(async (trx) => {
    const add = (table: string, n: number) => sql.raw(`INSERT INTO ${table} (id, n) VALUES (1, ${n}) ON DUPLICATE KEY UPDATE n = n + VALUES(n)`).execute(trx);
    await add('user_counts', read.users);
    await add('product_counts', read.products);
    await sql.raw(`INSERT INTO order_counts (id, ${cols.join(', ')}) VALUES (1, ${orders.join(', ')}) ON DUPLICATE KEY UPDATE ${update}`).execute(trx);
    for (let i = 0; i < entries.length; i += BATCH) {
      const values = entries.slice(i, i + BATCH).map(([user, v]) => `(${BigInt(user).toString()}, ${v.join(', ')})`);
      await sql.raw(`INSERT INTO user_order_counts (user_id, ${cols.join(', ')}) VALUES ${values.join(', ')} ON DUPLICATE KEY UPDATE ${update}`).execute(trx);
    }
  });
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(TRIGGERS)) await sql.raw(`DROP TRIGGER IF EXISTS ${name}`).execute(db);
  for (const table of [...TABLES].reverse()) await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
}
