// The whole-request time limit. graphql-js cannot stop an execution half way,
// so past the deadline the response is sent at once as a TIMEOUT error and the
// request's scope is marked: whatever of it still runs gets no new pool
// connection (db/pool.ts), and statements already sent end within the
// per-statement limit. Work already holding a connection (a transaction) is
// left to finish or roll back, so no connection returns to the pool mid-way.
// Subscriptions are long-lived by design and are not bounded here. Nor are
// mutations: answering TIMEOUT for a transaction that then commits would
// invite a retry that writes twice; each of their statements is bounded by
// the statement limit and InnoDB's lock wait, and the transaction then
// commits or rolls back, and the client is told which.
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SqlStats } from '../db/stats.ts';
import { TimeoutError } from '../errors.ts';
import { asGraphQLError } from './masking.ts';

export function useRequestTimeout(options: { timeoutMs: number; stats: SqlStats }): Plugin {
  const { timeoutMs, stats } = options;
  return {
    onExecute({ args: executeArgs, executeFn, setExecuteFn }) {
      if (getOperationAST(executeArgs.document, executeArgs.operationName ?? undefined)?.operation === 'mutation') return;
      setExecuteFn((args) => {
        const result = executeFn(args);
        if (!isPromiseLike(result)) return result;
        const scope = stats.currentScope();
        const elapsed = scope?.startedAt === undefined ? 0 : performance.now() - scope.startedAt;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            if (scope) scope.timedOut = true;
            const error = requestTimeoutError(timeoutMs);
            // graphql-js's key order (errors first), as the fast path writes it too.
            resolve({ errors: [asGraphQLError(error)], data: null } satisfies ExecutionResult);
          }, Math.max(0, timeoutMs - elapsed));
          result.then(
            (value) => {
              clearTimeout(timer);
              resolve(value);
            },
            (error: unknown) => {
              clearTimeout(timer);
              reject(error);
            },
          );
        });
      });
    },
  };
}

/** The one answer to a query past REQUEST_TIMEOUT_MS, here and on the node:http fast path. */
export function requestTimeoutError(timeoutMs: number): TimeoutError {
  return new TimeoutError(`The request took longer than its time limit of ${timeoutMs} ms.`);
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
