// Compiled execution: a query whose every field the planner understands is
// answered by one SQL statement whose result IS the response's JSON text, and
// that text is written out without being parsed or re-walked. Anything else
// (errors to report, introspection, mutations, a row that does not exist)
// answers null here and runs through Yoga's ordinary executor, so both paths
// give the same responses (test/compiled-equivalence.test.ts proves it).
import { parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { compileJsonQuery } from '../db/json-query.ts';
import { PREPARED } from '../db/pool.ts';
import { ResponseCache } from '../cache/response-cache.ts';
import { buildPlan, entitiesOf } from './build-plan.ts';

export interface GraphQLParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

export interface CompiledExecutorOptions {
  /** Largest response (in objects) compiled into one statement; bigger ones use loaders. */
  maxObjects: number;
  /** Refuses a document the limits forbid, so the ordinary path reports the error. */
  admits?: (document: DocumentNode, variables: Record<string, unknown>) => boolean;
  /** Send compiled statements as prepared statements (binary protocol). */
  preparedStatements?: boolean;
  /** Optional cache of whole responses (RESPONSE_CACHE=true). */
  cache?: ResponseCache | null;
}

export interface CompiledExecutor {
  /** The full response body, or null when this request must take the ordinary path. */
  tryExecute(params: GraphQLParams): Promise<string | null>;
}

const CACHE_SIZE = 1000;

export function createCompiledExecutor(schema: GraphQLSchema, db: Kysely<Database>, options: CompiledExecutorOptions): CompiledExecutor {
  // Parsed and validated documents by query text; null marks text that is not
  // a valid document (the ordinary path reports why).
  const documents = new Map<string, DocumentNode | null>();

  function document(query: string): DocumentNode | null {
    let doc = documents.get(query);
    if (doc !== undefined) return doc;
    try {
      const parsed = parse(query, { noLocation: true, maxTokens: 5000 });
      doc = validate(schema, parsed).length === 0 ? parsed : null;
    } catch {
      doc = null;
    }
    if (documents.size >= CACHE_SIZE) documents.delete(documents.keys().next().value!);
    documents.set(query, doc);
    return doc;
  }

  return {
    async tryExecute(params) {
      const { query, operationName } = params;
      const variables = params.variables ?? {};
      if (typeof query !== 'string' || (operationName != null && typeof operationName !== 'string')) return null;
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return null;
      const cache = options.cache;
      const cacheKey = cache ? ResponseCache.key(query, operationName, variables) : '';
      const cached = cache?.get(cacheKey);
      if (cached) return cached;
      const doc = document(query);
      if (!doc) return null;
      const vars = variables as Record<string, unknown>;
      if (options.admits && !options.admits(doc, vars)) return null;
      const plan = buildPlan(schema, doc, operationName as string | undefined, vars);
      if (!plan || plan.roots.length === 0 || plan.estimatedObjects > options.maxObjects) return null;
      const compiled = compileJsonQuery(plan);
      const sql = options.preparedStatements ? PREPARED + compiled.sql : compiled.sql;
      const result = await db.executeQuery<Record<string, string | null>>(CompiledQuery.raw(sql, compiled.params));
      const row = result.rows[0];
      if (!row) return null;
      let body = '{"data":{';
      for (let i = 0; i < plan.roots.length; i++) {
        const value = row[`r${i}`];
        // A single row that does not exist: the resolvers report NOT_FOUND with its path.
        if (value === null || value === undefined) return null;
        body += `${i === 0 ? '' : ','}${JSON.stringify(plan.roots[i]!.key)}:${value}`;
      }
      body += '}}';
      if (cache) {
        const { entities, onlyCounts } = entitiesOf(plan);
        cache.set(cacheKey, body, entities, onlyCounts);
      }
      return body;
    },
  };
}
