// `npm run migrate` and `npm run seed` as an operator runs them: real
// processes against a real database.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.ts';
import { COUNTER_TABLES } from '../src/db/counters.ts';
import { counterMismatches } from './support/counters.ts';
import { adminConnection, ownDatabase, testDatabaseName, testServerUrl } from './support/db.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const dbName = testDatabaseName('cli');
ownDatabase(dbName);

function databaseUrl(): string {
  const url = testServerUrl();
  url.pathname = `/${dbName}`;
  return url.toString();
}

async function npmScript(script: string, args: string[] = []) {
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl(), LOG_LEVEL: 'silent' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error: any) {
    return { code: error.code as number, stdout: error.stdout as string, stderr: error.stderr as string };
  }
}

async function tableCounts() {
  const conn = await adminConnection(dbName);
  try {
    const out: Record<string, number> = {};
    for (const table of ['users', 'products', 'orders', 'order_items']) {
      const [[row]] = (await conn.query(`SELECT COUNT(*) AS c FROM ${table}`)) as any;
      out[table] = Number(row.c);
    }
    return out;
  } finally {
    await conn.end();
  }
}

beforeAll(async () => {
  const admin = await adminConnection();
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
});

describe('npm run migrate', () => {
  it('creates a missing database, applies the migrations and exits 0; a second run changes nothing', async () => {
    const first = await npmScript('migrate');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`Applied ${Object.keys(migrations).length} migration`));
    const second = await npmScript('migrate');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
    const conn = await adminConnection(dbName);
    const [tables] = (await conn.query('SHOW TABLES')) as any;
    const [columns] = (await conn.query(
      "SELECT TABLE_NAME t, COLUMN_NAME c, COLUMN_TYPE ty, IS_NULLABLE n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME NOT LIKE 'kysely%' ORDER BY TABLE_NAME, ORDINAL_POSITION",
      [dbName],
    )) as any;
    const [indexes] = (await conn.query(
      "SELECT TABLE_NAME t, INDEX_NAME i, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) cols, MAX(NON_UNIQUE) nu FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME NOT LIKE 'kysely%' GROUP BY TABLE_NAME, INDEX_NAME ORDER BY TABLE_NAME, INDEX_NAME",
      [dbName],
    )) as any;
    await conn.end();
    expect(tables.map((t: any) => Object.values(t)[0]).filter((t: string) => !t.startsWith('kysely')).sort()).toEqual(
      ['job_errors', 'job_files', 'jobs', 'order_items', 'orders', 'products', 'users', ...Object.keys(COUNTER_TABLES)].sort(),
    );
    // The contract's tables, exactly; the job queue's and the counters' own tables are added beside them.
    const contract = (table: string) => !table.startsWith('job') && !(table in COUNTER_TABLES);
    const shape = columns.filter((c: any) => contract(c.t)).map((c: any) => `${c.t}.${c.c} ${c.ty}${c.n === 'YES' ? ' NULL' : ''}`).sort();
    expect(shape).toEqual(
      [
      'order_items.order_id bigint(20) unsigned',
      'order_items.product_id bigint(20) unsigned',
      'order_items.quantity int(10) unsigned',
      'order_items.unit_price decimal(12,2)',
      'orders.id bigint(20) unsigned',
      'orders.user_id bigint(20) unsigned',
      "orders.status enum('PENDING','PAID','SHIPPED','CANCELLED')",
      'orders.total decimal(12,2)',
      'orders.created_at datetime(3)',
      'products.id bigint(20) unsigned',
      'products.sku varchar(64)',
      'products.name varchar(200)',
      'products.price decimal(12,2)',
      'products.stock int(10) unsigned',
      'products.created_at datetime(3)',
      'users.id bigint(20) unsigned',
      'users.name varchar(100)',
      'users.email varchar(255)',
      'users.created_at datetime(3)',
      ].sort(),
    );
    const idx = indexes.filter((i: any) => contract(i.t)).map((i: any) => `${i.t}:${i.cols}${Number(i.nu) ? '' : ' unique'}`);
    expect(idx).toEqual(
      expect.arrayContaining([
        'order_items:order_id,product_id unique',
        'order_items:product_id',
        'orders:id unique',
        'orders:user_id,id',
        'orders:status,id',
        'orders:created_at,id',
        'orders:status,created_at,id',
        'products:price,id',
        'products:id unique',
        'products:sku unique',
        'users:email unique',
        'users:id unique',
      ]),
    );
  });
});

describe('npm run seed', () => {
  it('loads a few hundred demo rows into an empty database', async () => {
    const result = await npmScript('seed');
    expect(result.code).toBe(0);
    const counts = await tableCounts();
    expect(counts.users).toBeGreaterThanOrEqual(100);
    expect(counts.products).toBeGreaterThanOrEqual(100);
    expect(counts.orders).toBeGreaterThanOrEqual(100);
    const conn = await adminConnection(dbName);
    const [bad] = (await conn.query(
      'SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.id, o.total HAVING o.total <> SUM(i.quantity * i.unit_price)',
    )) as any;
    // The seed's inserts went through the counters' triggers.
    expect(await counterMismatches(conn)).toEqual([]);
    await conn.end();
    expect(bad).toEqual([]);
  });

  it('refuses a non-empty database with exit 1 and a clear message, changing nothing', async () => {
    const before = await tableCounts();
    const result = await npmScript('seed');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/already has data.*--force/);
    expect(await tableCounts()).toEqual(before);
  });

  it('--force replaces the data with the same demo set', async () => {
    const before = await tableCounts();
    const result = await npmScript('seed', ['--force']);
    expect(result.code).toBe(0);
    expect(await tableCounts()).toEqual(before);
    // The DELETEs that empty the tables and the inserts both went through the counters' triggers.
    const conn = await adminConnection(dbName);
    try {
      expect(await counterMismatches(conn)).toEqual([]);
    } finally {
      await conn.end();
    }
  });

  it('--if-empty leaves a non-empty database alone and exits 0', async () => {
    const before = await tableCounts();
    const result = await npmScript('seed', ['--if-empty']);
    expect(result.code).toBe(0);
    expect(await tableCounts()).toEqual(before);
  });
});
