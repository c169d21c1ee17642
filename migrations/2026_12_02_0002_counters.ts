// Counters the database keeps exact itself, so the counts the schema asks for
// most (all users, all orders, orders by status, a user's orders by status,
// all products) read a few rows instead of the table (src/db/counters.ts
// decides when a count may be answered from them). Triggers on the counted
// tables keep them right whoever writes, the gateway or plain SQL around it
// (the contract allows that): AFTER INSERT, AFTER UPDATE (status, user_id),
// AFTER DELETE.
//
// - Sharded rows for the totals: 16 rows per counter, the row written is the
//   writer's CONNECTION_ID() % 16, and a count is the SUM of the rows. A
//   transaction holds the row it changed until it commits, so a single row
//   would serialize every placeOrder; the gateway's pool connections have
//   consecutive ids, so concurrent writers land on different rows. A row may
//   go below zero (a row counted on one slot, deleted from another); only the
//   sum means anything.
// - One row per user for a user's orders, a column per status: a placeOrder
//   changes its own user's row only.
// - A trigger UPDATEs first and INSERTs only when no row was there (the first
//   order of a user, or after the counter tables were emptied), so the usual
//   write takes a record lock and no gap lock.
// - TRUNCATE fires no trigger: whoever truncates a counted table must empty
//   the counter tables too (test/support/db.ts, bench/seed.ts do). Foreign key
//   cascades fire no trigger in MariaDB either: no cascade reaches users,
//   orders or products (orders -> users is RESTRICT; the cascade from orders
//   goes to order_items, which is not counted).
//
// The backfill runs online: the triggers exist first, then one consistent
// snapshot reads both the rows and what the triggers have counted so far, and
// the difference is added to the counters. Every write committed after the
// snapshot fired the triggers (CREATE TRIGGER waits for the transactions
// already writing the table), every write before it is in the snapshot's
// rows, and additions commute with the triggers' own, so the counters are
// exact however many writes run meanwhile.
// Frozen in time: later changes go in new migrations.
import { sql, type Kysely } from 'kysely';

const SLOTS = 16;
const STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const COLUMN = { PENDING: 'pending', PAID: 'paid', SHIPPED: 'shipped', CANCELLED: 'cancelled' } as const;
const SLOT = `CONNECTION_ID() % ${SLOTS}`;

/** `col = col + (row.status = 'X')` for each status column, with `sign` +1 or -1 ... joined by ', '. */
function statusDeltas(terms: readonly { row: 'NEW' | 'OLD'; sign: '+' | '-' }[]): string {
  return STATUSES.map((s) => `${COLUMN[s]} = ${COLUMN[s]} ${terms.map((t) => `${t.sign} (${t.row}.status = '${s}')`).join(' ')}`).join(', ');
}

/** Adds one row's statuses (sign +/-) to a status-column counter row, inserting it when missing. */
function addStatuses(table: string, keyColumn: string, key: string, row: 'NEW' | 'OLD', sign: '+' | '-'): string {
  const columns = STATUSES.map((s) => COLUMN[s]);
  const values = STATUSES.map((s) => `${sign === '-' ? '-' : ''}(${row}.status = '${s}')`);
  return `
    UPDATE ${table} SET ${statusDeltas([{ row, sign }])} WHERE ${keyColumn} = ${key};
    IF ROW_COUNT() = 0 THEN
      INSERT INTO ${table} (${keyColumn}, ${columns.join(', ')}) VALUES (${key}, ${values.join(', ')})
        ON DUPLICATE KEY UPDATE ${columns.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ')};
    END IF;`;
}

/** Adds `delta` to a sharded total, inserting the slot's row when missing. */
function addTotal(table: string, delta: '1' | '-1'): string {
  return `
    UPDATE ${table} SET n = n + ${delta} WHERE slot = ${SLOT};
    IF ROW_COUNT() = 0 THEN
      INSERT INTO ${table} (slot, n) VALUES (${SLOT}, ${delta}) ON DUPLICATE KEY UPDATE n = n + VALUES(n);
    END IF;`;
}

const TRIGGERS: Record<string, string> = {
  users_count_insert: `AFTER INSERT ON users FOR EACH ROW BEGIN ${addTotal('user_counts', '1')} END`,
  users_count_delete: `AFTER DELETE ON users FOR EACH ROW BEGIN ${addTotal('user_counts', '-1')} END`,
  products_count_insert: `AFTER INSERT ON products FOR EACH ROW BEGIN ${addTotal('product_counts', '1')} END`,
  products_count_delete: `AFTER DELETE ON products FOR EACH ROW BEGIN ${addTotal('product_counts', '-1')} END`,
  orders_count_insert: `AFTER INSERT ON orders FOR EACH ROW BEGIN
    ${addStatuses('order_counts', 'slot', SLOT, 'NEW', '+')}
    ${addStatuses('user_order_counts', 'user_id', 'NEW.user_id', 'NEW', '+')}
  END`,
  orders_count_delete: `AFTER DELETE ON orders FOR EACH ROW BEGIN
    ${addStatuses('order_counts', 'slot', SLOT, 'OLD', '-')}
    ${addStatuses('user_order_counts', 'user_id', 'OLD.user_id', 'OLD', '-')}
  END`,
  // A status change moves one count between two columns of the same rows; a
  // change of user moves the order between two users' rows, the lower id
  // first so that two such changes cannot wait on each other in a circle.
  orders_count_update: `AFTER UPDATE ON orders FOR EACH ROW BEGIN
    IF NOT (NEW.status <=> OLD.status) THEN
      UPDATE order_counts SET ${statusDeltas([{ row: 'NEW', sign: '+' }, { row: 'OLD', sign: '-' }])} WHERE slot = ${SLOT};
      IF ROW_COUNT() = 0 THEN
        ${addStatuses('order_counts', 'slot', SLOT, 'NEW', '+')}
        ${addStatuses('order_counts', 'slot', SLOT, 'OLD', '-')}
      END IF;
    END IF;
    IF NEW.user_id = OLD.user_id AND NOT (NEW.status <=> OLD.status) THEN
      UPDATE user_order_counts SET ${statusDeltas([{ row: 'NEW', sign: '+' }, { row: 'OLD', sign: '-' }])} WHERE user_id = NEW.user_id;
      IF ROW_COUNT() = 0 THEN
        ${addStatuses('user_order_counts', 'user_id', 'NEW.user_id', 'NEW', '+')}
        ${addStatuses('user_order_counts', 'user_id', 'OLD.user_id', 'OLD', '-')}
      END IF;
    ELSEIF NEW.user_id < OLD.user_id THEN
      ${addStatuses('user_order_counts', 'user_id', 'NEW.user_id', 'NEW', '+')}
      ${addStatuses('user_order_counts', 'user_id', 'OLD.user_id', 'OLD', '-')}
    ELSEIF NEW.user_id > OLD.user_id THEN
      ${addStatuses('user_order_counts', 'user_id', 'OLD.user_id', 'OLD', '-')}
      ${addStatuses('user_order_counts', 'user_id', 'NEW.user_id', 'NEW', '+')}
    END IF;
  END`,
};

const STATUS_COLUMNS = STATUSES.map((s) => `${COLUMN[s]} BIGINT NOT NULL DEFAULT 0`).join(', ');
/** Per status, `SUM(status = 'X') AS x` over orders. */
const STATUS_SUMS = STATUSES.map((s) => `SUM(status = '${s}') AS ${COLUMN[s]}`).join(', ');
const BATCH = 2000;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['user_counts', 'product_counts']) {
    await sql
      .raw(`CREATE TABLE ${table} (slot TINYINT UNSIGNED NOT NULL, n BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (slot)) ENGINE=InnoDB`)
      .execute(db);
  }
  await sql.raw(`CREATE TABLE order_counts (slot TINYINT UNSIGNED NOT NULL, ${STATUS_COLUMNS}, PRIMARY KEY (slot)) ENGINE=InnoDB`).execute(db);
  await sql.raw(`CREATE TABLE user_order_counts (user_id BIGINT UNSIGNED NOT NULL, ${STATUS_COLUMNS}, PRIMARY KEY (user_id)) ENGINE=InnoDB`).execute(db);
  for (const [name, body] of Object.entries(TRIGGERS)) await sql.raw(`CREATE TRIGGER ${name} ${body}`).execute(db);
  await backfill(db);
}

/** Adds to the counters what the rows hold beyond what the triggers counted, both read in one snapshot (see the header). */
async function backfill(db: Kysely<any>): Promise<void> {
  const cols = STATUSES.map((s) => COLUMN[s]);
  const read = await db.connection().execute(async (conn) => {
    await sql`START TRANSACTION WITH CONSISTENT SNAPSHOT`.execute(conn);
    try {
      const one = async (text: string) => Number(((await sql.raw(text).execute(conn)).rows[0] as { n: unknown }).n ?? 0);
      const users = (await one('SELECT COUNT(*) AS n FROM users')) - (await one('SELECT COALESCE(SUM(n), 0) AS n FROM user_counts'));
      const products = (await one('SELECT COUNT(*) AS n FROM products')) - (await one('SELECT COALESCE(SUM(n), 0) AS n FROM product_counts'));
      const rowsOf = async (text: string) => (await sql.raw(text).execute(conn)).rows as Record<string, unknown>[];
      const [rows] = await rowsOf(`SELECT ${STATUS_SUMS} FROM orders`);
      const [counted] = await rowsOf(`SELECT ${cols.map((c) => `SUM(${c}) AS ${c}`).join(', ')} FROM order_counts`);
      const orders = cols.map((c) => Number(rows?.[c] ?? 0) - Number(counted?.[c] ?? 0));
      const perUser = new Map<string, number[]>();
      for (const row of await rowsOf(`SELECT user_id, ${STATUS_SUMS} FROM orders GROUP BY user_id`)) {
        perUser.set(String(row.user_id), cols.map((c) => Number(row[c])));
      }
      for (const row of await rowsOf(`SELECT user_id, ${cols.join(', ')} FROM user_order_counts`)) {
        const key = String(row.user_id);
        const have = perUser.get(key) ?? cols.map(() => 0);
        perUser.set(key, have.map((v, i) => v - Number(row[cols[i]!])));
      }
      return { users, products, orders, perUser };
    } finally {
      await sql`COMMIT`.execute(conn);
    }
  });
  const add = (table: string, n: number) =>
    sql.raw(`INSERT INTO ${table} (slot, n) VALUES (0, ${n}) ON DUPLICATE KEY UPDATE n = n + VALUES(n)`).execute(db);
  await add('user_counts', read.users);
  await add('product_counts', read.products);
  const update = cols.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ');
  await sql
    .raw(`INSERT INTO order_counts (slot, ${cols.join(', ')}) VALUES (0, ${read.orders.join(', ')}) ON DUPLICATE KEY UPDATE ${update}`)
    .execute(db);
  const entries = [...read.perUser].filter(([, v]) => v.some((n) => n !== 0));
  for (let i = 0; i < entries.length; i += BATCH) {
    const values = entries.slice(i, i + BATCH).map(([user, v]) => `(${BigInt(user).toString()}, ${v.join(', ')})`);
    await sql.raw(`INSERT INTO user_order_counts (user_id, ${cols.join(', ')}) VALUES ${values.join(', ')} ON DUPLICATE KEY UPDATE ${update}`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(TRIGGERS)) await sql.raw(`DROP TRIGGER IF EXISTS ${name}`).execute(db);
  for (const table of ['user_order_counts', 'order_counts', 'product_counts', 'user_counts']) await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
}
