// Kysely as the query builder only: queries are typed against the Database
// interface and compiled to SQL text with `?` parameters, then sent through a
// SqlSession (the pool or a transaction, see direct.ts), so every statement
// takes the same counted, bounded path. This instance has no connection: a
// query run with its own .execute() fails loudly instead of bypassing that path.
import {
  Kysely,
  sql,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  type Compilable,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type RawBuilder,
  type SqlBool,
} from 'kysely';
import { renderConditions, type Condition } from './conditions.ts';
import { counterCount } from './counters.ts';
import type { Database } from './database.ts';
import type { SqlSession } from './direct.ts';

class BuildOnly implements Driver {
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    throw new Error('qb only builds queries: send them with all(), first() or run() on a SqlSession');
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

export const qb = new Kysely<Database>({
  dialect: {
    createAdapter: () => new MysqlAdapter(),
    createDriver: () => new BuildOnly(),
    createIntrospector: (db) => new MysqlIntrospector(db),
    createQueryCompiler: () => new MysqlQueryCompiler(),
  },
});

/** Every row the query returns. */
export async function all<R>(session: SqlSession, query: Compilable<R>): Promise<R[]> {
  return (await session.executeQuery(query.compile())).rows;
}

/** The first row, or undefined. */
export async function first<R>(session: SqlSession, query: Compilable<R>): Promise<R | undefined> {
  return (await session.executeQuery(query.compile())).rows[0];
}

/** A write: its insert id and affected rows. */
export function run(session: SqlSession, query: Compilable<unknown>): Promise<QueryResult<unknown>> {
  return session.executeQuery(query.compile());
}

/** Conditions (conditions.ts) as a Kysely boolean over `table`, e.g. `.where(where(conditions, 'users'))`. */
export function where(conditions: readonly Condition[], table: string): RawBuilder<SqlBool> {
  const params: unknown[] = [];
  const text = renderConditions(conditions, table, params);
  return withParams<SqlBool>(text, params);
}

/**
 * The number of rows of `table` meeting `conditions`, as a select expression:
 * from a counter when one represents exactly these conditions (counters.ts),
 * else COUNT(*) of the query's rows.
 */
export function countOf(table: string, conditions: readonly Condition[]): RawBuilder<string> {
  const params: unknown[] = [];
  return withParams<string>(counterCount(table, conditions, params) ?? 'COUNT(*)', params);
}

/** SQL text whose only `?` are its placeholders, with their values, as a Kysely expression. */
function withParams<T>(text: string, params: readonly unknown[]): RawBuilder<T> {
  // The text holds no `?` but its placeholders (names and operators only), so
  // it splits into the template strings around the parameters.
  const strings = text.split('?');
  return sql<T>(Object.assign([...strings], { raw: strings }) as unknown as TemplateStringsArray, ...params);
}
