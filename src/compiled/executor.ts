// The compiled path's executor: runs a compiled query (or a planned mutation)
// and writes the response body, knowing no GraphQL. The roots in the
// database-built JSON statement and those read as plain rows (forms.ts) run
// side by side; each gives its root field's JSON text. A single root whose row
// does not exist becomes null with a NOT_FOUND error, and a database failure
// is answered as the resolvers would answer it.
import { CompiledQuery } from 'kysely';
import type { SqlSession } from '../db/direct.ts';
import { PREPARED } from '../db/statement.ts';
import { Deadlines } from '../deadlines.ts';
import { isAppError, notFoundMessage, UNEXPECTED_ERROR_MESSAGE, type AppError } from '../errors.ts';
import type { OrderWrite } from '../orders/order.model.ts';
import type { Viewer } from '../viewer.ts';
import type { MutationPlan, OperationPlan } from './plan.ts';
import type { CompiledQueryPlan } from './forms.ts';
import { bindParams } from './compile-cache.ts';
import { readRoot } from './rows-run.ts';
import { orderWriteJson } from './write-json.ts';

export interface CompiledAnswer {
  /** The full response body. */
  readonly body: string;
  /** Error codes in the body, for the request log and metrics. */
  readonly errorCodes?: readonly string[];
  /** The operation's name, or "anonymous", for the request log and metrics. */
  readonly operationName: string;
  /** True when the body may be cached: a plain answer, no errors in it. */
  readonly cacheable?: boolean;
  /** For the operation span (with tracing on). */
  readonly operationType: 'query' | 'mutation';
  /** The response cache answered (compiled-path.ts). */
  readonly cacheHit?: boolean;
}

export interface CompiledMutations {
  /** The use-case, which holds the write to the viewer's access and row rules. */
  run(field: MutationPlan['field'], args: Record<string, any>, viewer: Viewer): Promise<OrderWrite>;
  /** After a successful write: the same follow-ups as the ordinary path (cache invalidation); the answer waits for it. */
  after(field: MutationPlan['field']): void | Promise<void>;
  /** For an error the client cannot act on: logs it and gives the masked error's extensions (plugins/masking.ts). */
  unexpected(error: unknown): Record<string, unknown>;
}

export interface QueryRunnerOptions {
  /** Send compiled statements as prepared statements (binary protocol). */
  preparedStatements?: boolean;
  /** How often request deadlines are checked (Deadlines.periodFor the request time limit). */
  deadlinePeriodMs?: number;
  /** Told of TIMEOUT / SERVICE_UNAVAILABLE answers, for the operator's log (the client gets the code). */
  onServiceError?: (error: AppError) => void;
}

/**
 * Runs compiled statements on `db`: the answer, 'timeout' once `timeoutMs`
 * has passed, or null when the result needs the ordinary path after all.
 */
export function createQueryRunner(db: SqlSession, options: QueryRunnerOptions) {
  const deadlines = new Deadlines(options.deadlinePeriodMs ?? 50);
  return async function runQuery(
    plan: OperationPlan,
    compiled: CompiledQueryPlan,
    operationName: string | undefined,
    timeoutMs: number | undefined,
    /** Single roots' ids where they are not the plan's (a template's plan holds stand-ins; templates.ts), by root index. */
    ids?: readonly (string | undefined)[],
  ): Promise<CompiledAnswer | 'timeout' | null> {
    const { json, values: bound } = compiled;
    const prepared = options.preparedStatements === true;
    let values: (string | null | undefined)[];
    try {
      // The JSON statement and every plain-row root side by side (forms.ts); only the JSON statement
      // (a point lookup, most often): its promise alone, no Promise.all around it.
      const statement = json
        ? db.executeQuery<Record<string, string | null>>(CompiledQuery.raw(prepared ? PREPARED + json.query.sql : json.query.sql, bindParams(json.query.params, bound)))
        : null;
      // A lone JSON statement or a lone plain-row root (a point lookup, a search page: most requests)
      // is awaited on its own, no Promise.all around it: every promise costs the request scope's
      // hooks on Node 20.
      const loneJson = statement !== null && compiled.rows.every((read) => read === null);
      const loneRows = statement === null && compiled.rows.length === 1 && compiled.rows[0] !== null;
      const running: Promise<unknown> = loneJson
        ? statement.then((result) => firstRow(result.rows, json!.query.noRowIsNull))
        : loneRows
          ? readRoot(db, compiled.rows[0]!, prepared, bound)
          : Promise.all([
              statement?.then((result) => firstRow(result.rows, json!.query.noRowIsNull)) ?? null,
              ...compiled.rows.map((read) => (read ? readRoot(db, read, prepared, bound) : null)),
            ]);
      const outcome = timeoutMs === undefined ? await running : await beforeDeadline(deadlines, running, timeoutMs);
      if (outcome === 'timeout') return 'timeout';
      if (loneRows) values = [outcome as string | null];
      else {
        const [row, ...read] = (loneJson ? [outcome] : outcome) as [Record<string, string | null> | undefined, ...(string | null)[]];
        if (json && !row) return null;
        values = plan.roots.map((_, i) => (compiled.rows[i] ? read[i] : row![`r${json!.roots.indexOf(i)}`]));
      }
    } catch (error) {
      // The database is down, the pool stayed busy or the statement ran too
      // long: answer now, as the resolvers would (each root field fails with
      // the error), rather than run the same work again through them.
      if (isAppError(error) && (error.code === 'TIMEOUT' || error.code === 'SERVICE_UNAVAILABLE')) {
        options.onServiceError?.(error);
        return { body: failureBody(plan, error), operationName: nameOf(operationName ?? plan.operationName), operationType: 'query', errorCodes: [error.code] };
      }
      throw error;
    }
    // A single row that does not exist: null with NOT_FOUND at its path, as the resolvers answer.
    let errors = '';
    let data = '';
    const errorCodes: string[] = [];
    for (let i = 0; i < plan.roots.length; i++) {
      const root = plan.roots[i]!;
      let value = values[i];
      if (value === null || value === undefined) {
        if (root.kind !== 'single') return null;
        if (root.missing === 'null') {
          data += `${i === 0 ? '' : ','}${JSON.stringify(root.key)}:null`;
          continue;
        }
        const error = {
          message: notFoundMessage(root.entity, ids?.[i] ?? root.id),
          ...(root.location ? { locations: [root.location] } : {}),
          path: [root.key],
          extensions: { code: 'NOT_FOUND' },
        };
        errors += `${errors ? ',' : ''}${JSON.stringify(error)}`;
        errorCodes.push('NOT_FOUND');
        value = 'null';
      }
      data += `${i === 0 ? '' : ','}${JSON.stringify(root.key)}:${value}`;
    }
    const body = `${errors ? `{"errors":[${errors}],"data":{` : '{"data":{'}${data}}}`;
    return { body, operationName: nameOf(operationName ?? plan.operationName), operationType: 'query', errorCodes, cacheable: !errors };
  };
}

/** The JSON statement's row: the one-root form (noRowIsNull) returns none for a root that does not exist, read as r0 null. */
function firstRow(rows: Record<string, string | null>[], noRowIsNull: boolean | undefined): Record<string, string | null> | undefined {
  return rows[0] ?? (noRowIsNull ? { r0: null } : undefined);
}

export function nameOf(operationName: unknown): string {
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
export async function runMutation(
  mutations: CompiledMutations,
  plan: MutationPlan,
  viewer: Viewer,
  onServiceError?: (error: AppError) => void,
): Promise<CompiledAnswer> {
  const operationName = nameOf(plan.operationName);
  let write: OrderWrite;
  try {
    write = await mutations.run(plan.field, plan.args, viewer);
  } catch (error) {
    if (isAppError(error)) {
      if (error.code === 'TIMEOUT' || error.code === 'SERVICE_UNAVAILABLE') onServiceError?.(error);
      return { body: JSON.stringify({ errors: [located(plan, error.message, { ...error.extensions })], data: null }), operationName, operationType: 'mutation', errorCodes: [error.code] };
    }
    const masked = located(plan, UNEXPECTED_ERROR_MESSAGE, mutations.unexpected(error));
    return { body: JSON.stringify({ errors: [masked], data: null }), operationName, operationType: 'mutation', errorCodes: ['INTERNAL_SERVER_ERROR'] };
  }
  await mutations.after(plan.field);
  return { body: `{"data":{${JSON.stringify(plan.key)}:${orderWriteJson(plan.object, write)}}}`, operationName, operationType: 'mutation', errorCodes: [] };
}

/** A mutation's error at its field's location and path, as graphql-js places it. */
function located(plan: MutationPlan, message: string, extensions: Record<string, unknown>) {
  return { message, ...(plan.location ? { locations: [plan.location] } : {}), path: [plan.key], extensions };
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
