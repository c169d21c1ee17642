// What the rest of the gateway sees of OpenTelemetry: this interface, and a
// `Tracing | null` handed down from main.ts (null: tracing off, the default).
// Nothing here loads the SDK or even @opentelemetry/api at run time: the
// implementation (start.ts) is imported dynamically by main.ts and
// cli/worker.ts only when OTEL_* asks for traces, so with tracing off the
// hot paths pay one null check per request and per statement, nothing else.
//
// The spans (README "Tracing"):
//   HTTP request (SERVER, parent: the incoming traceparent)   front.ts
//   └─ GraphQL operation: gateway.path compiled | resolvers   fast-path.ts, plugins/tracing.ts
//      └─ SQL statement (CLIENT), text with ? placeholders    db/direct.ts, every runner
//   job (a background job's run)                              jobs/worker.ts
//   └─ SQL statement
// A statement with no traced request or job around it (probes, polls,
// heartbeats, migrations) makes no span.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request facts the HTTP span reads and writes (the front's RequestScope is one). */
export interface TracedRequest {
  readonly requestId: string;
  /** The request's error codes once answered: any makes the HTTP span's status an error. */
  readonly errorCodes?: readonly string[];
  /** Written by Tracing.request: the HTTP span's ids, for the request log line. */
  traceId?: string;
  spanId?: string;
}

/** The operation span of the request being handled (see Tracing.operation). */
export interface OperationSpan {
  /** graphql.operation.type and .name, and the span's name from them. */
  describe(type: string | undefined, name: string | undefined): void;
  /** gateway.cache_hit: whether the response cache answered. */
  cacheHit(hit: boolean): void;
  /** The answer carries errors with these codes (error status, gateway.error_codes); none: no change. */
  failed(codes: readonly string[]): void;
  /** The compiled path declined: Yoga answers, under an operation span of its own. */
  declined(): void;
}

/** A background job's span. */
export interface JobSpan {
  /** How the job ended (gateway.job.outcome); `failed` gives the span an error status. */
  outcome(outcome: string, failed: boolean): void;
}

/** Where a runner's statements go: server.address, server.port, db.namespace. */
export interface StatementTarget {
  readonly host: string;
  readonly port: number;
  readonly name: string;
}

/** Opaque: the traced context a statement span is a child of. */
export interface StatementParent {
  readonly __statementParent: unique symbol;
}

export interface StatementSpan {
  /** Ends the span with the driver's result (rows returned or affected) or its error code. */
  end(result: unknown, errorCode: string | null): void;
}

export interface Tracing {
  /**
   * Runs `handle` inside a new HTTP server span for this request, a child of
   * its `traceparent` (W3C trace context) when it has one. The span ends
   * when the response closes, with its status code; it writes its ids into
   * `facts` for the request log line.
   */
  request(req: IncomingMessage, res: ServerResponse, route: string | null, path: string, facts: TracedRequest, handle: () => void): void;
  /** Runs `work` inside a new operation span (gateway.path = `path`), ended when the work settles. */
  operation<T>(path: 'compiled' | 'resolvers', work: (span: OperationSpan) => Promise<T>): Promise<T>;
  /** The operation span `work` of `operation` runs in, if this is inside one. */
  currentOperation(): OperationSpan | undefined;
  /** A background job's run as a root span (its statements are its children). */
  job<T>(type: string, attributes: Readonly<Record<string, string | number>>, work: (span: JobSpan) => Promise<T>): Promise<T>;
  /** The parent for a statement sent here and now, or undefined when no recording span is current (no span then). */
  statementParent(): StatementParent | undefined;
  /** A span for one statement (or a batch of `statements`) sent now. */
  statement(parent: StatementParent, sql: string, target: StatementTarget, statements: number): StatementSpan;
  /** traceId and spanId of the span current here, for every log line (the pino mixin); {} outside spans. */
  logFields(): Record<string, string>;
  /** Where the SDK's own warnings (exports failing) go. */
  reportTo(log: { warn(obj: object, message: string): void }): void;
  /** Exports what is still buffered and stops; bounded by the export timeout. */
  shutdown(): Promise<void>;
}
