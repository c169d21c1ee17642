// Compiled execution: a query whose every field the planner understands is
// answered by one SQL statement whose result IS the response's JSON text, and
// that text is written out without being parsed or re-walked. Anything else
// (errors to report, introspection, mutations, a row that does not exist)
// answers null here and runs through Yoga's ordinary executor, so both paths
// give the same responses (test/compiled-equivalence.test.ts proves it).
import { validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { parseWithinNesting } from '../guards/nesting.ts';
import { CompiledQuery } from 'kysely';
import { compileJsonQuery } from '../db/json-query.ts';
import { PREPARED, type SqlSession } from '../db/pool.ts';
import { isAppError, notFoundMessage, type AppError } from '../errors.ts';
import type { OperationPlan, RootPlan } from './plan.ts';
import { parseId } from '../scalars.ts';
import { getOperationAST, Kind } from 'graphql';
import type { CompiledJsonQuery } from '../db/json-query.ts';
import { cacheKey as responseCacheKey, type ResponseCache, type Versions } from '../cache/response-cache.ts';
import type { OrderWrite } from '../orders/order.model.ts';
import { buildMutationPlan, buildPlan, entitiesOf, mutationTemplate, type MutationPlan } from './build-plan.ts';
import { orderWriteJson } from './write-response.ts';
import { Deadlines } from '../deadlines.ts';

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
  admits?: (document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined) => boolean;
  /** graphql's parse() token limit, as the ordinary path applies it. */
  maxTokens: number;
  /** Send compiled statements as prepared statements (binary protocol). */
  preparedStatements?: boolean;
  /** How often request deadlines are checked (Deadlines.periodFor the request time limit). */
  deadlinePeriodMs?: number;
  /** Optional cache of whole responses (RESPONSE_CACHE=true). */
  cache?: ResponseCache | null;
  /** Told of TIMEOUT / SERVICE_UNAVAILABLE answers, for the operator's log (the client gets the code). */
  onServiceError?: (error: AppError) => void;
  /** Runs placeOrder/cancelOrder as their resolvers do; without it mutations take the ordinary path. */
  mutations?: CompiledMutations | null;
}

export interface CompiledMutations {
  run(field: MutationPlan['field'], args: Record<string, any>): Promise<OrderWrite>;
  /** After a successful write: the same follow-ups as the ordinary path (cache invalidation); the answer waits for it. */
  after(field: MutationPlan['field']): void | Promise<void>;
  /** For a masked error: the request id to show and where to log the full error. */
  unexpected(error: unknown): { requestId: string | undefined };
}

export interface CompiledAnswer {
  /** The full response body. */
  readonly body: string;
  /** Error codes in the body, for the request log and metrics. */
  readonly errorCodes?: readonly string[];
  /** The operation's name, or "anonymous", for the request log and metrics. */
  readonly operationName: string;
}

export interface CompiledExecutor {
  /**
   * The answer, null when this request must take the ordinary path, or
   * 'timeout' when a query ran past `timeoutMs` (mutations are never cut
   * short: their transaction's outcome is what the client must hear).
   */
  tryExecute(params: GraphQLParams, limits?: { timeoutMs?: number }): Promise<CompiledAnswer | 'timeout' | null>;
}

const CACHE_SIZE = 1000;

export function createCompiledExecutor(schema: GraphQLSchema, db: SqlSession, options: CompiledExecutorOptions): CompiledExecutor {
  // Parsed and validated documents by query text; null marks text that is not
  // a valid document (the ordinary path reports why).
  const documents = new Map<string, DocumentNode | null>();
  const deadlines = new Deadlines(options.deadlinePeriodMs ?? 50);

  function document(query: string): DocumentNode | null {
    let doc = documents.get(query);
    if (doc !== undefined) return doc;
    try {
      const parsed = parseWithinNesting(query, { maxTokens: options.maxTokens });
      doc = validate(schema, parsed).length === 0 ? parsed : null;
    } catch {
      doc = null;
    }
    if (documents.size >= CACHE_SIZE) documents.delete(documents.keys().next().value!);
    documents.set(query, doc);
    return doc;
  }

  // Point lookups by id variables plan the same way whatever the ids: plan and
  // compile once per document, then only validate and bind the ids.
  const templates = new WeakMap<DocumentNode, Map<string, QueryTemplate | null>>();

  function templateFor(doc: DocumentNode, operationName: string | undefined): QueryTemplate | null {
    let byOperation = templates.get(doc);
    if (!byOperation) templates.set(doc, (byOperation = new Map()));
    const key = operationName ?? '';
    let template = byOperation.get(key);
    if (template === undefined) {
      template = buildTemplate(doc, operationName);
      byOperation.set(key, template);
    }
    return template;
  }

  function buildTemplate(doc: DocumentNode, operationName: string | undefined): QueryTemplate | null {
    const names = idOnlyVariables(doc, operationName);
    if (!names || names.length === 0 || names.length > 100) return null;
    // Distinct valid ids no client would send stand in for the variables.
    const sentinels = names.map((_, i) => `18446744073709551${String(i).padStart(3, '0')}`);
    const vars = Object.fromEntries(names.map((name, i) => [name, sentinels[i]]));
    if (options.admits && !options.admits(doc, vars, operationName)) return null;
    const plan = buildPlan(schema, doc, operationName, vars);
    if (!plan || plan.roots.length === 0 || plan.estimatedObjects > options.maxObjects) return null;
    const compiled = compileJsonQuery(plan);
    return {
      plan,
      compiled,
      variables: names.map((name, i) => ({
        name,
        params: compiled.params.flatMap((value, j) => (value === sentinels[i] ? [j] : [])),
        roots: plan.roots.flatMap((root, j) => (root.kind === 'single' && root.id === sentinels[i] ? [j] : [])),
      })),
    };
  }

  // Mutations whose variables only feed the root field's arguments: planned
  // and checked against the limits once per document (the limits cannot
  // depend on those variables); per request only the variables are coerced.
  type MutationTemplate = ((vars: Record<string, unknown>) => MutationPlan | null) | null;
  const mutationTemplates = new WeakMap<DocumentNode, Map<string, MutationTemplate>>();

  function mutationTemplateFor(doc: DocumentNode, operationName: string | undefined): MutationTemplate {
    let byOperation = mutationTemplates.get(doc);
    if (!byOperation) mutationTemplates.set(doc, (byOperation = new Map()));
    const key = operationName ?? '';
    let template = byOperation.get(key);
    if (template === undefined) {
      template = options.mutations ? mutationTemplate(schema, doc, operationName) : null;
      if (template && options.admits && !options.admits(doc, {}, operationName)) template = null;
      byOperation.set(key, template);
    }
    return template;
  }

  return {
    async tryExecute(params, limits) {
      const { query, operationName } = params;
      const variables = params.variables ?? {};
      if (typeof query !== 'string' || (operationName != null && typeof operationName !== 'string')) return null;
      if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return null;
      const doc = document(query);
      if (!doc) return null;
      const vars = variables as Record<string, unknown>;
      let plan: OperationPlan | null;
      let compiled: CompiledJsonQuery;
      const mutation = mutationTemplateFor(doc, operationName as string | undefined);
      if (mutation) {
        const mutationPlan = mutation(vars);
        return mutationPlan ? runMutation(options.mutations!, mutationPlan, options.onServiceError) : null;
      }
      // Looked up after the mutation check: with the Redis store a lookup is a round trip.
      const cache = options.cache;
      const cacheKey = cache ? responseCacheKey(query, operationName, variables) : '';
      // On a miss, the versions as they are before the SQL runs: a mutation
      // committing meanwhile bumps them, so what this read stores is never served.
      let snapshot: Versions | null = null;
      if (cache) {
        let found = cache.get(cacheKey);
        if (found instanceof Promise) found = await found;
        if (typeof found === 'string') return { body: found, operationName: nameOf(operationName) };
        snapshot = found;
      }
      const template = templateFor(doc, operationName as string | undefined);
      if (template) {
        const filled = fillTemplate(template, vars);
        if (!filled) return null;
        ({ plan, compiled } = filled);
      } else {
        if (options.admits && !options.admits(doc, vars, operationName as string | undefined)) return null;
        plan = buildPlan(schema, doc, operationName as string | undefined, vars);
        if (!plan && options.mutations) {
          const mutation = buildMutationPlan(schema, doc, operationName as string | undefined, vars);
          if (mutation) return runMutation(options.mutations, mutation, options.onServiceError);
        }
        if (!plan || plan.roots.length === 0 || plan.estimatedObjects > options.maxObjects) return null;
        compiled = compileJsonQuery(plan);
      }
      const sql = options.preparedStatements ? PREPARED + compiled.sql : compiled.sql;
      let result;
      try {
        const running = db.executeQuery<Record<string, string | null>>(CompiledQuery.raw(sql, compiled.params));
        const outcome = limits?.timeoutMs === undefined ? await running : await beforeDeadline(deadlines, running, limits.timeoutMs);
        if (outcome === 'timeout') return 'timeout';
        result = outcome;
      } catch (error) {
        // The database is down, the pool stayed busy or the statement ran too
        // long: answer now, as the resolvers would (each root field fails with
        // the error), rather than run the same work again through them.
        if (isAppError(error) && (error.code === 'TIMEOUT' || error.code === 'SERVICE_UNAVAILABLE')) {
          options.onServiceError?.(error);
          return { body: failureBody(plan, error), operationName: nameOf(operationName ?? plan.operationName), errorCodes: [error.code] };
        }
        throw error;
      }
      const row = result.rows[0] ?? (compiled.noRowIsNull ? { r0: null } : undefined);
      if (!row) return null;
      // A single row that does not exist: null with NOT_FOUND at its path, as the resolvers answer.
      let errors = '';
      let data = '';
      for (let i = 0; i < plan.roots.length; i++) {
        const root = plan.roots[i]!;
        let value = row[`r${i}`];
        if (value === null || value === undefined) {
          if (root.kind !== 'single') return null;
          const error = {
            message: notFoundMessage(root.entity, root.id),
            ...(root.location ? { locations: [root.location] } : {}),
            path: [root.key],
            extensions: { code: 'NOT_FOUND' },
          };
          errors += `${errors ? ',' : ''}${JSON.stringify(error)}`;
          value = 'null';
        }
        data += `${i === 0 ? '' : ','}${JSON.stringify(root.key)}:${value}`;
      }
      let body = errors ? `{"errors":[${errors}],"data":{${data}` : `{"data":{${data}`;
      body += '}}';
      if (cache && snapshot && !errors) {
        const { entities, onlyCounts } = entitiesOf(plan);
        void cache.set(cacheKey, body, entities, onlyCounts, snapshot);
      }
      const errorCodes = errors ? plan.roots.filter((r, i) => r.kind === 'single' && row[`r${i}`] == null).map(() => 'NOT_FOUND') : [];
      return { body, operationName: nameOf(operationName ?? plan.operationName), errorCodes };
    },
  };
}

function nameOf(operationName: unknown): string {
  return typeof operationName === 'string' && operationName ? operationName : 'anonymous';
}

/** Every root field failed with `error`: null where nullable, else data is null. */
function failureBody(plan: OperationPlan, error: AppError): string {
  const failing = plan.roots.filter((root) => root.kind !== 'literal');
  const errors = failing.map((root) => ({ message: error.message, path: [root.key], extensions: error.extensions }));
  const nullable = failing.every((root) => root.kind === 'single');
  const data = nullable ? Object.fromEntries(plan.roots.map((root) => [root.key, root.kind === 'literal' ? JSON.parse(root.json) : null])) : null;
  return JSON.stringify({ errors, data });
}

/**
 * Runs the mutation and answers from the rows it wrote. Once the write has
 * started there is no going back to the ordinary path (it would write twice),
 * so every outcome, errors included, is answered here in the shape graphql-js
 * gives them: the error at the field's location and path, data null (both
 * fields are non-null), unexpected errors masked with the request id.
 */
async function runMutation(
  mutations: CompiledMutations,
  plan: MutationPlan,
  onServiceError?: (error: AppError) => void,
): Promise<CompiledAnswer> {
  const operationName = nameOf(plan.operationName);
  const located = (message: string, extensions: Record<string, unknown>) => ({
    message,
    ...(plan.location ? { locations: [plan.location] } : {}),
    path: [plan.key],
    extensions,
  });
  let write: OrderWrite;
  try {
    write = await mutations.run(plan.field, plan.args);
  } catch (error) {
    if (isAppError(error)) {
      if (error.code === 'TIMEOUT' || error.code === 'SERVICE_UNAVAILABLE') onServiceError?.(error);
      return { body: JSON.stringify({ errors: [located(error.message, { ...error.extensions })], data: null }), operationName, errorCodes: [error.code] };
    }
    const { requestId } = mutations.unexpected(error);
    const masked = located('Unexpected error.', { code: 'INTERNAL_SERVER_ERROR', requestId });
    return { body: JSON.stringify({ errors: [masked], data: null }), operationName, errorCodes: ['INTERNAL_SERVER_ERROR'] };
  }
  await mutations.after(plan.field);
  return { body: `{"data":{${JSON.stringify(plan.key)}:${orderWriteJson(plan.object, write)}}}`, operationName, errorCodes: [] };
}

/**
 * The promise's value, or 'timeout' once `ms` have passed (the work itself
 * goes on; a late failure of it is the statement limit's business, not an
 * unhandled rejection). One promise and no timer of its own: this runs per
 * request (see Deadlines).
 */
function beforeDeadline<T>(deadlines: Deadlines, work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return new Promise((resolve, reject) => {
    const deadline = deadlines.add(Math.max(0, ms), () => resolve('timeout'));
    work.then(
      (value) => {
        if (deadlines.settle(deadline)) resolve(value);
      },
      (error: unknown) => {
        if (deadlines.settle(deadline)) reject(error);
      },
    );
  });
}

interface QueryTemplate {
  readonly plan: OperationPlan;
  readonly compiled: CompiledJsonQuery;
  /** Where each id variable's value goes: parameter positions, and single roots (for NOT_FOUND). */
  readonly variables: { name: string; params: number[]; roots: number[] }[];
}

/** The plan and statement for these variables, or null when an id is missing or malformed (the resolvers say so). */
function fillTemplate(template: QueryTemplate, vars: Record<string, unknown>): { plan: OperationPlan; compiled: CompiledJsonQuery } | null {
  const params = [...template.compiled.params];
  const roots: RootPlan[] = [...template.plan.roots];
  for (const variable of template.variables) {
    const raw = vars[variable.name];
    const text = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
    if (typeof text !== 'string') return null;
    let id: string;
    try {
      id = parseId(text);
    } catch {
      return null;
    }
    for (const j of variable.params) params[j] = id;
    for (const j of variable.roots) roots[j] = { ...(roots[j] as Extract<RootPlan, { kind: 'single' }>), id };
  }
  return { plan: { ...template.plan, roots }, compiled: { ...template.compiled, params } };
}

/**
 * The operation's variables when every one is an `ID!` used only as the `id`
 * argument of user/order/product (fields that exist only on Query), so its
 * value can only become a bound parameter; null otherwise.
 */
function idOnlyVariables(doc: DocumentNode, operationName: string | undefined): string[] | null {
  const operation = getOperationAST(doc, operationName);
  if (!operation || operation.operation !== 'query') return null;
  const names: string[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const type = definition.type;
    if (type.kind !== Kind.NON_NULL_TYPE || type.type.kind !== Kind.NAMED_TYPE || type.type.name.value !== 'ID') return null;
    if (definition.defaultValue) return null;
    names.push(definition.variable.name.value);
  }
  // Every use of a variable, anywhere in the document, must be user/order/product(id: $v).
  let ok = true;
  const visit = (node: unknown, parentField: string | null, argument: string | null): void => {
    if (!ok || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, parentField, argument));
    const n = node as { kind?: string; name?: { value: string }; value?: unknown };
    if (n.kind === Kind.VARIABLE_DEFINITION) return;
    if (n.kind === Kind.VARIABLE) {
      if (!(argument === 'id' && (parentField === 'user' || parentField === 'order' || parentField === 'product'))) ok = false;
      return;
    }
    if (n.kind === Kind.FIELD) {
      const field = n as unknown as { name: { value: string }; arguments?: { name: { value: string }; value: unknown }[]; directives?: unknown; selectionSet?: unknown };
      for (const arg of field.arguments ?? []) visit(arg.value, field.name.value, arg.name.value);
      visit(field.directives, null, null);
      visit(field.selectionSet, null, null);
      return;
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'loc') visit(value, parentField, key === 'value' ? argument : null);
  };
  visit(doc.definitions, null, null);
  return ok ? names : null;
}
