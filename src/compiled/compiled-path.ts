// The compiled path: a query whose every field the planner understands is
// answered without a GraphQL execution: per root field, by one SQL statement
// whose result IS its JSON text, or by plain rows with the JSON written from
// them (forms.ts), and the text is written out without being parsed again. Anything else
// (errors to report, introspection, a row that does not exist) answers null
// here and runs through Yoga's ordinary executor, so both paths give the same
// responses (test/compiled-queries.test.ts proves it). This module holds the
// per-document work (parsing, validation, templates) and the response cache;
// planning, SQL and execution are plan-query/plan-mutation, forms (sql,
// rows-sql) and executor (rows-run).
// Every request comes with its viewer: plans carry its access and row rules,
// and a cached answer is shared only with the same viewer, unless it reads
// public data alone (products), which every viewer may share.
import { getOperationAST, Kind, validate, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { cacheKey as responseCacheKey, type ResponseCache, type Versions } from '../cache/response-cache.ts';
import type { SqlSession } from '../db/direct.ts';
import { parseWithinNesting } from '../guards/nesting.ts';
import { fragmentsOf, perDocument } from '../query-shape.ts';
import { ADMIN_WITHOUT_USER, ANONYMOUS, viewerScope, type Viewer } from '../viewer.ts';
import { createQueryRunner, nameOf, runMutation, type CompiledAnswer, type CompiledMutations, type QueryRunnerOptions } from './executor.ts';
import { entitiesOf, type MutationPlan, type OperationPlan } from './plan.ts';
import { buildMutationPlan, mutationTemplate } from './plan-mutation.ts';
import { buildPlan } from './plan-query.ts';
import { createCompileCache } from './compile-cache.ts';
import type { CompiledForm, CompiledQueryPlan } from './forms.ts';
import { buildQueryTemplate, fillTemplate, templateKey, templateVariables, viewerShape, type Measure, type QueryTemplate, type TemplateVariables } from './templates.ts';

/** One viewer of each kind templates tell apart, to plan trusted documents for at start. */
const TEMPLATE_VIEWERS: readonly Viewer[] = [ANONYMOUS, ADMIN_WITHOUT_USER, { kind: 'admin', userId: '1' }, { kind: 'customer', userId: '1' }];

/** Root fields whose answers are the same for every viewer. */
const PUBLIC_ROOTS = new Set(['product', 'products', 'productCount', '__typename']);

/** True when every root field the document's operations could select reads public data only. */
const publicDocument = perDocument((doc): boolean => {
  const fragments = fragmentsOf(doc);
  const visiting = new Set<string>();
  const publicSelections = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return PUBLIC_ROOTS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return publicSelections(selection.selectionSet);
      const fragment = fragments[selection.name.value];
      if (!fragment || visiting.has(fragment.name.value)) return false;
      visiting.add(fragment.name.value);
      return publicSelections(fragment.selectionSet);
    });
  return doc.definitions.every((definition) => definition.kind !== Kind.OPERATION_DEFINITION || (definition.operation === 'query' && publicSelections(definition.selectionSet)));
});

export type { CompiledAnswer, CompiledMutations } from './executor.ts';

/** What the compiled path needs of a request: its document, variables and operation name, as the client sent them. */
export interface OperationRequest {
  readonly query?: unknown;
  readonly variables?: unknown;
  readonly operationName?: unknown;
}

export interface CompiledExecutorOptions extends QueryRunnerOptions {
  /** Largest response (in objects) compiled into one statement; bigger ones use loaders. */
  maxObjects: number;
  /** Which roots the database writes as JSON and which are read as plain rows (forms.ts); auto when absent. */
  form?: CompiledForm;
  /** The response's estimated objects, or null for a document the limits refuse (the ordinary path then reports the error). */
  measure: Measure;
  /** graphql's parse() token limit, as the ordinary path applies it. */
  maxTokens: number;
  /** Optional cache of whole responses (RESPONSE_CACHE=true). */
  cache?: ResponseCache | null;
  /** Runs placeOrder/cancelOrder as their resolvers do; without it mutations take the ordinary path. */
  mutations?: CompiledMutations | null;
}

export interface CompiledExecutor {
  /**
   * The answer, null when this request must take the ordinary path, or
   * 'timeout' when a query ran past `timeoutMs` (mutations are never cut
   * short: their transaction's outcome is what the client must hear).
   */
  tryExecute(params: OperationRequest, request: { viewer: Viewer; timeoutMs?: number }): Promise<CompiledAnswer | 'timeout' | null>;
  /**
   * Parses, validates and plans these documents now (trusted documents, at
   * start) and keeps them for the process's life; a request sending one of
   * them then only binds its variables.
   */
  prepare(queries: Iterable<string>): void;
}

/** What the compiled path keeps of one operation of a document (see operationOf). */
interface KeptOperation {
  readonly mutation: ((variables: Record<string, unknown>) => MutationPlan | null) | null;
  readonly variables: TemplateVariables | null;
  readonly templates: Map<string, QueryTemplate | null>;
}

/** Templates kept per document (one per kind of viewer and structural values: booleans, firsts, cursors present, kinds of filter values). */
const TEMPLATES_PER_DOCUMENT = 64;

/** Documents kept parsed and validated, by query text. */
const DOCUMENTS_KEPT = 1000;

export function createCompiledExecutor(schema: GraphQLSchema, db: SqlSession, options: CompiledExecutorOptions): CompiledExecutor {
  const { measure, maxObjects, mutations, cache } = options;
  const form = options.form ?? 'auto';
  const runQuery = createQueryRunner(db, options);
  // Plans compiled once per shape, the request's values bound as its statements are sent.
  const compileQuery = createCompileCache(form);
  // Parsed and validated documents by query text; null marks text that is not
  // a valid document (the ordinary path reports why).
  const documents = new Map<string, DocumentNode | null>();
  const prepared = new Map<string, DocumentNode | null>();

  function document(query: string): DocumentNode | null {
    let doc = prepared.get(query) ?? documents.get(query);
    if (doc !== undefined) return doc;
    try {
      const parsed = parseWithinNesting(query, { maxTokens: options.maxTokens });
      doc = validate(schema, parsed).length === 0 ? parsed : null;
    } catch {
      doc = null;
    }
    if (documents.size >= DOCUMENTS_KEPT) documents.delete(documents.keys().next().value!);
    documents.set(query, doc);
    return doc;
  }

  // What is kept of each operation of a document: its mutation template (mutations whose variables
  // only feed the root field's arguments: planned and checked against the limits once, as the limits
  // cannot depend on those variables; per request only the variables are coerced), and its query
  // templates (variables that are ids, directive booleans, firsts, cursors and filter values: planned, measured and
  // compiled once per kind of viewer and structural values; templates.ts). One lookup per request.
  const operationOf = perDocument((doc, operationName): KeptOperation => {
    const mutation = mutations ? mutationTemplate(schema, doc, operationName || undefined) : null;
    return {
      mutation: mutation && measure(doc, {}, operationName || undefined) !== null ? mutation : null,
      variables: templateVariables(doc, operationName),
      templates: new Map(),
    };
  });
  const queryTemplate = (doc: DocumentNode, operationName: string | undefined, kept: KeptOperation, viewer: Viewer, vars: Record<string, unknown>): QueryTemplate | null => {
    const { variables, templates: byKey } = kept;
    if (!variables) return null;
    const structural = templateKey(variables, vars, schema);
    if (structural === null) return null;
    const shape = viewerShape(viewer);
    const key = `${shape.key} ${structural}`;
    let template = byKey.get(key);
    if (template === undefined) {
      // Structural values are the client's: a document keeps a bounded number of templates.
      if (byKey.size >= TEMPLATES_PER_DOCUMENT) return null;
      template = buildQueryTemplate({ schema, doc, operationName, variables, requestVars: vars, measure, maxObjects, standIn: shape.standIn, form });
      byKey.set(key, template);
    }
    return template;
  };

  return {
    prepare(queries) {
      for (const query of queries) {
        const doc = document(query);
        documents.delete(query);
        prepared.set(query, doc);
        if (!doc) continue;
        for (const definition of doc.definitions) {
          if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
          for (const name of [definition.name?.value, undefined]) {
            const kept = operationOf(doc, name ?? '');
            for (const viewer of TEMPLATE_VIEWERS) queryTemplate(doc, name, kept, viewer, {});
          }
        }
      }
    },
    async tryExecute(params, request) {
      const { viewer } = request;
      const { query, operationName } = params;
      const variables = params.variables ?? {};
      if (typeof query !== 'string' || (operationName != null && typeof operationName !== 'string')) return null;
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return null;
      const doc = document(query);
      if (!doc) return null;
      const vars = variables as Record<string, unknown>;
      const opName = (operationName as string | null | undefined) ?? undefined;
      const kept = operationOf(doc, opName ?? '');
      const { mutation } = kept;
      if (mutation) {
        const mutationPlan = mutation(vars);
        return mutationPlan ? runMutation(mutations!, mutationPlan, viewer, options.onServiceError) : null;
      }
      // Looked up after the mutation check: with the Redis store a lookup is a round trip.
      const cacheKey = cache ? responseCacheKey(publicDocument(doc) ? 'public' : viewerScope(viewer), query, operationName, variables) : '';
      // On a miss, the versions as they are before the SQL runs: a mutation
      // committing meanwhile bumps them, so what this read stores is never served.
      let snapshot: Versions | null = null;
      if (cache) {
        let found = cache.get(cacheKey);
        if (found instanceof Promise) found = await found;
        // Named as a miss would be: the request's operationName, else the document's one operation's name.
        if (typeof found === 'string') return { body: found, operationName: nameOf(operationName ?? getOperationAST(doc)?.name?.value), operationType: 'query', cacheHit: true };
        snapshot = found;
      }
      let plan: OperationPlan | null;
      let compiled: CompiledQueryPlan;
      let ids: readonly (string | undefined)[] | undefined;
      const template = queryTemplate(doc, opName, kept, viewer, vars);
      if (template) {
        const filled = fillTemplate(template, vars, viewer);
        if (!filled) return null;
        ({ plan, compiled, ids } = filled);
      } else {
        const cost = measure(doc, vars, opName);
        if (cost === null) return null;
        plan = buildPlan(schema, doc, opName, vars, viewer);
        if (!plan && mutations) {
          const mutationPlan = buildMutationPlan(schema, doc, opName, vars);
          if (mutationPlan) return runMutation(mutations, mutationPlan, viewer, options.onServiceError);
        }
        if (!plan || plan.roots.length === 0 || cost > maxObjects) return null;
        compiled = compileQuery(plan);
      }
      const answer = await runQuery(plan, compiled, opName, request.timeoutMs, ids);
      if (cache && snapshot && answer !== 'timeout' && answer?.cacheable) {
        const { entities, onlyCounts } = entitiesOf(plan);
        void cache.set(cacheKey, answer.body, entities, onlyCounts, snapshot);
      }
      return answer;
    },
  };
}
