// Counts SQL statements: in total (for /metrics and the benchmark), in flight
// (tests prove sibling root fields run concurrently) and per request (the
// request log line and tests asserting statements per request). The request
// scope travels with AsyncLocalStorage, so repositories stay unaware of it.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface StatementEvent {
  readonly sql: string;
  /** Statements the text held: 1, or more for a batch sent in one round trip. */
  readonly statements: number;
  readonly durationMs: number;
  /** Driver error code, e.g. "ER_DUP_ENTRY", or null on success. */
  readonly errorCode: string | null;
}

/** Per-request facts gathered wherever the request's async work runs. */
export interface RequestScope {
  readonly requestId: string;
  statements: number;
  sqlMs: number;
  /** performance.now() when the request arrived; the request time limit counts from here. */
  readonly startedAt?: number;
  /** Set once the request ran past its time limit: it gets no new pool connection. */
  timedOut?: boolean;
  /** Facts for the request log line and metrics (src/plugins/logging.ts). */
  operationName?: string;
  errorCodes?: string[];
  /** With tracing on: the request's HTTP span, for the request log line (see src/tracing/). */
  traceId?: string;
  spanId?: string;
}

export type StatementListener = (event: StatementEvent, scope: RequestScope | undefined) => void;

export class SqlStats {
  total = 0;
  failed = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly #listeners = new Set<StatementListener>();
  readonly #scope = new AsyncLocalStorage<RequestScope>();

  /** Runs `fn` with a fresh per-request statement scope and returns the scope too. */
  runInScope<T>(scope: RequestScope, fn: () => T): T {
    return this.#scope.run(scope, fn);
  }

  currentScope(): RequestScope | undefined {
    return this.#scope.getStore();
  }

  onStatement(listener: StatementListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called by the runner (db/direct.ts) before a statement (or a batch, counted when it ends) is sent. */
  started(): void {
    this.total++;
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  /**
   * Called once the statement's result (or error) arrived. A driver callback
   * runs in the async context of whatever request opened the connection, so
   * `scope` is the request's, taken when the statement started (undefined for none).
   */
  finishedIn(scope: RequestScope | undefined, sql: string, durationMs: number, errorCode: string | null, statements = 1): void {
    this.inFlight--;
    if (statements > 1) this.total += statements - 1;
    if (errorCode !== null) this.failed++;
    if (scope) {
      scope.statements += statements;
      scope.sqlMs += durationMs;
    }
    if (this.#listeners.size > 0) {
      const event = { sql, durationMs, errorCode, statements };
      for (const listener of this.#listeners) listener(event, scope);
    }
  }

  /** Forget the high-water mark, so a test can measure one request. */
  resetMaxInFlight(): void {
    this.maxInFlight = this.inFlight;
  }
}
