// The "Kysely's MySQL JSON helpers" lever, measured against the compiled SQL the gateway
// sends (src/db/json-query.ts), on the Dashboard query and the bench database:
//   tsx bench/json-variants.ts [--runs 300]
// - compiled: the gateway's statement (CONCAT/GROUP_CONCAT/JSON_QUOTE, correlated cutoff ids); its
//   text goes into the response as it is.
// - kysely-helpers: the same selection written with jsonArrayFrom/jsonObjectFrom from
//   kysely/helpers/mysql, as their documentation shows. Reported as run or refused by this server.
// - json-functions: what those helpers become where MariaDB allows: JSON_OBJECT/JSON_ARRAYAGG,
//   "first 5" as JSON_ARRAYAGG(... ORDER BY ... LIMIT 5) (no correlated derived table), money CAST
//   AS CHAR (JSON numbers would lose "12.50"'s last zero). MariaDB writes ", " and ": " between
//   members, so the answer has to be parsed and written again in Node.
// Each variant's data must equal the compiled one's before anything is timed. Timing: the runs
// interleave the variants on one connection; per statement, wall time and MariaDB's CPU (from
// /proc, local server only), and Node's CPU to turn the row into the response body.
import { ADMIN_WITHOUT_USER } from '../src/viewer.ts';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { parse } from 'graphql';
import { createSchema } from 'graphql-yoga';
import { Kysely, MysqlDialect, sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/mysql';
import mysql from 'mysql2';
import { parseDatabaseUrl } from '../src/config.ts';
import type { Database } from '../src/db/database.ts';
import { compileJsonQuery } from '../src/compiled/sql.ts';
import { buildPlan } from '../src/compiled/plan-query.ts';
import { resolvers, typeDefs } from '../src/schema.ts';
import { benchDatabaseUrl } from './common.ts';
import { DASHBOARD } from './operations.ts';
import { cpuSeconds, databasePid } from './servers.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string' } } });
const RUNS = Number(args.runs ?? 300);

const target = parseDatabaseUrl(benchDatabaseUrl(), 'BENCH_DATABASE_URL');
const poolOptions = {
  host: target.host,
  port: target.port,
  user: target.user,
  password: target.password,
  database: target.name,
  connectionLimit: 1,
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  // JSON values as text, so parsing them counts as the Node side's work below (mysql2 would parse them itself).
  jsonStrings: true,
} as const;
const pool = mysql.createPool(poolOptions);
const promisePool = pool.promise();
// As the gateway's sessions (src/db/pool.ts): GROUP_CONCAT's 1 MB default would cut a large page.
await promisePool.query('SET SESSION group_concat_max_len = 67108864');
const kysely = new Kysely<Database>({ dialect: new MysqlDialect({ pool: mysql.createPool(poolOptions) }) });

type Row = Record<string, unknown>;
interface Variant {
  name: string;
  sql: string;
  params: unknown[];
  /** The response body from the statement's one row. */
  body: (row: Row) => string;
}

// compiled: the gateway's own statement and body.
const schema = createSchema({ typeDefs, resolvers });
const compiled = compileJsonQuery(buildPlan(schema, parse(DASHBOARD), undefined, {}, ADMIN_WITHOUT_USER)!);
const compiledVariant: Variant = {
  name: 'compiled',
  sql: compiled.sql,
  params: compiled.params,
  body: (row) => `{"data":{"users":${row.r0},"productCount":${row.r1}}}`,
};

// kysely-helpers: as kysely/helpers/mysql documents them.
const helpers = kysely
  .selectFrom((eb) => eb.selectFrom('users').select(['id', 'name']).orderBy('id').limit(50).as('u'))
  .select((eb) => [
    'u.id',
    'u.name',
    jsonArrayFrom(
      eb
        .selectFrom('orders as o')
        .select((eb2) => [
          'o.id',
          'o.total',
          'o.status',
          jsonArrayFrom(
            eb2
              .selectFrom('order_items as i')
              .select((eb3) => [
                'i.quantity',
                'i.unit_price',
                jsonObjectFrom(eb3.selectFrom('products as p').select(['p.id', 'p.name', 'p.price']).whereRef('p.id', '=', 'i.product_id')).as('product'),
              ])
              .whereRef('i.order_id', '=', 'o.id')
              .orderBy('i.product_id'),
          ).as('items'),
        ])
        .whereRef('o.user_id', '=', 'u.id')
        .orderBy('o.id')
        .limit(5),
    ).as('orders'),
  ])
  .orderBy('u.id')
  .compile();

// json-functions: the helpers' shape in what MariaDB accepts.
const JSON_FUNCTIONS = `SELECT JSON_OBJECT('nodes', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT(
    'id', CAST(u.id AS CHAR), 'name', u.name,
    'orders', JSON_OBJECT('nodes', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT(
        'id', CAST(o.id AS CHAR), 'total', CAST(o.total AS CHAR), 'status', o.status,
        'items', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT(
            'quantity', i.quantity, 'unitPrice', CAST(i.unit_price AS CHAR),
            'product', (SELECT JSON_OBJECT('id', CAST(p.id AS CHAR), 'name', p.name, 'price', CAST(p.price AS CHAR))
                        FROM products p WHERE p.id = i.product_id)
          ) ORDER BY i.product_id) FROM order_items i WHERE i.order_id = o.id), JSON_ARRAY())
      ) ORDER BY o.id LIMIT 5) FROM orders o WHERE o.user_id = u.id), JSON_ARRAY()))
  ) ORDER BY u.id) FROM (SELECT id, name FROM users ORDER BY id LIMIT 50) u), JSON_ARRAY())) AS r0,
  (SELECT COUNT(*) FROM products) AS r1`;
const jsonFunctionsVariant: Variant = {
  name: 'json-functions',
  sql: JSON_FUNCTIONS,
  params: [],
  body: (row) => JSON.stringify({ data: { users: JSON.parse(row.r0 as string), productCount: Number(row.r1) } }),
};

async function firstRow(variant: Pick<Variant, 'sql' | 'params'>): Promise<Row> {
  const [rows] = await promisePool.query(variant.sql, variant.params);
  return (rows as Row[])[0]!;
}

// The helpers' statement: does this server take it?
let helpersOutcome: string;
try {
  await firstRow({ sql: helpers.sql, params: [...helpers.parameters] });
  helpersOutcome = 'ran (not timed: its decimals come back as JSON numbers, see above)';
} catch (error) {
  const { code, message } = error as { code?: string; message?: string };
  helpersOutcome = `refused: ${code}: ${message?.split('\n')[0]}`;
}
// The same with CAST(... AS JSON) removed: the correlated derived table alone.
try {
  await firstRow({ sql: helpers.sql.replace(/cast\((coalesce\(json_arrayagg\(.*?\)\), '\[\]'\)) as json\)/g, '$1'), params: [...helpers.parameters] });
  helpersOutcome += '; without CAST AS JSON: ran';
} catch (error) {
  const { code, message } = error as { code?: string; message?: string };
  helpersOutcome += `; without CAST AS JSON: ${code}: ${message?.split('\n')[0]}`;
}

const variants = [compiledVariant, jsonFunctionsVariant];
const expected = JSON.parse(compiledVariant.body(await firstRow(compiledVariant)));
for (const variant of variants) {
  const data = JSON.parse(variant.body(await firstRow(variant)));
  if (!isDeepStrictEqual(data, expected)) throw new Error(`${variant.name}: data differs from the compiled statement's`);
}

const dbPid = databasePid();
const totals = new Map(variants.map((v) => [v.name, { wallMs: 0, dbCpuS: 0, nodeCpuUs: 0, bytes: 0 }]));
for (let run = 0; run < RUNS; run += 10) {
  for (const variant of variants) {
    const total = totals.get(variant.name)!;
    for (let i = 0; i < 10; i++) {
      const cpuBefore = dbPid ? cpuSeconds(dbPid) ?? 0 : 0;
      const started = performance.now();
      const row = await firstRow(variant);
      total.wallMs += performance.now() - started;
      total.dbCpuS += dbPid ? (cpuSeconds(dbPid) ?? 0) - cpuBefore : 0;
      const usage = process.cpuUsage();
      const body = variant.body(row);
      const spent = process.cpuUsage(usage);
      total.nodeCpuUs += spent.user + spent.system;
      total.bytes = body.length;
    }
  }
}

console.log(`Dashboard statement, ${RUNS} runs per variant, interleaved, one connection (${target.name})`);
console.log(`kysely-helpers: ${helpersOutcome}`);
console.log('variant          wall ms/stmt  MariaDB CPU ms/stmt  Node CPU ms/body  body bytes');
for (const variant of variants) {
  const t = totals.get(variant.name)!;
  console.log(
    `${variant.name.padEnd(16)} ${(t.wallMs / RUNS).toFixed(2).padStart(12)}  ${dbPid ? ((t.dbCpuS * 1000) / RUNS).toFixed(2).padStart(19) : '                  -'}  ${(t.nodeCpuUs / 1000 / RUNS).toFixed(3).padStart(16)}  ${String(t.bytes).padStart(10)}`,
  );
}
await kysely.destroy();
pool.end();
