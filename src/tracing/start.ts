// The OpenTelemetry SDK behind the Tracing interface (tracing.ts). Loaded only
// when OTEL_* asks for traces: main.ts and cli/worker.ts import this module
// with a dynamic import(), so with tracing off none of @opentelemetry/* is
// ever loaded (.dependency-cruiser.cjs holds every other module to type-only
// imports of it).
//
// Hand-made spans, no auto-instrumentation (of http or mysql2, which would
// double the spans and put their cost on every request): the HTTP front, the
// two GraphQL paths and the statement runner call in here. The current span
// travels in OpenTelemetry's AsyncLocalStorage context manager, so DataLoader
// batches, transactions and the log mixin find the span of the work they
// belong to.
//
// Attribute names follow the semantic conventions (http.*, url.*, graphql.*,
// db.*, server.*); ours are gateway.*. Values never go into attributes: the
// statement text is the parameterised one (`?`), the URL is its path without
// the query string, errors are their codes (a driver's message can quote a
// value, so it is not recorded).
import {
  context,
  createContextKey,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_SERVICE_NAME, type TracingConfig, type TracingSampler } from './config.ts';
import type { JobSpan, OperationSpan, StatementParent, StatementSpan, StatementTarget, Tracing } from './tracing.ts';

const TRACER_NAME = DEFAULT_SERVICE_NAME;
/** Longest db.query.text kept: a batch of spans stays well under a collector's 4 MiB request limit. */
export const MAX_STATEMENT_TEXT = 8192;
/** Longest graphql.operation.name (as the request log bounds it). */
const MAX_NAME_LENGTH = 100;
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const OPERATION = createContextKey('gateway.operation');

const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  get: (headers, key) => headers[key],
  keys: (headers) => Object.keys(headers),
};

export async function startTracing(config: TracingConfig): Promise<Tracing> {
  const exporter = await createExporter(config);
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName })),
    sampler: createSampler(config.sampler),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: config.batch.scheduleDelayMs,
        maxQueueSize: config.batch.maxQueueSize,
        maxExportBatchSize: Math.min(512, config.batch.maxQueueSize),
        exportTimeoutMillis: config.timeoutMs,
      }),
    ],
  });
  const tracer = provider.getTracer(TRACER_NAME);
  const propagator = new W3CTraceContextPropagator();
  // One per process; a second start (tests building apps in-process) keeps the first.
  const contextManager = new AsyncLocalStorageContextManager();
  if (!context.setGlobalContextManager(contextManager.enable())) contextManager.disable();

  const tracing: Tracing = {
    request(req, res, route, path, facts, handle) {
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
      const method = req.method && HTTP_METHODS.has(req.method) ? req.method : '_OTHER';
      const attributes: Attributes = {
        'http.request.method': method,
        'url.path': path,
        'url.scheme': 'http',
        'network.protocol.version': req.httpVersion,
        'gateway.request_id': facts.requestId,
      };
      if (route) attributes['http.route'] = route;
      const span = tracer.startSpan(route ? `${method} ${route}` : method, { kind: SpanKind.SERVER, attributes }, parent);
      const ids = span.spanContext();
      facts.traceId = ids.traceId;
      facts.spanId = ids.spanId;
      res.once('close', () => {
        const status = res.statusCode;
        const codes = facts.errorCodes ?? [];
        span.setAttribute('http.response.status_code', status);
        if (!res.writableFinished) span.setAttribute('gateway.aborted', true);
        if (codes.length > 0) span.setAttribute('gateway.error_codes', [...new Set(codes)]);
        if (status >= 500) span.setAttribute('error.type', String(status));
        if (status >= 500 || codes.length > 0) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: codes.length ? [...new Set(codes)].join(',') : `HTTP ${status}` });
        }
        span.end();
      });
      context.with(trace.setSpan(parent, span), handle);
    },

    async operation(path, work) {
      const span = tracer.startSpan('GraphQL operation', { attributes: { 'gateway.path': path } });
      const op = operationSpan(span);
      try {
        return await context.with(trace.setSpan(context.active(), span).setValue(OPERATION, op), work, undefined, op);
      } catch (error) {
        // An exception's message may quote values: only that it failed is recorded.
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'exception' });
        throw error;
      } finally {
        span.end();
      }
    },

    currentOperation() {
      return context.active().getValue(OPERATION) as OperationSpan | undefined;
    },

    async job(type, attributes, work) {
      const span = tracer.startSpan(`job ${type}`, { root: true, attributes: { 'gateway.job.type': type, ...attributes } });
      const job: JobSpan = {
        outcome(outcome, failed) {
          span.setAttribute('gateway.job.outcome', outcome);
          if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        },
      };
      try {
        return await context.with(trace.setSpan(ROOT_CONTEXT, span), work, undefined, job);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'exception' });
        throw error;
      } finally {
        span.end();
      }
    },

    statementParent() {
      const active = context.active();
      const span = trace.getSpan(active);
      return span && span.isRecording() ? (active as unknown as StatementParent) : undefined;
    },

    statement(parent, sql, target, statements) {
      return statementSpan((name, options, ctx) => tracer.startSpan(name, options, ctx), parent as unknown as Context, sql, target, statements);
    },

    logFields(): Record<string, string> {
      // A fresh object each time: pino merges the line's own fields into it.
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },

    reportTo(log) {
      // Outside any span: an export runs in the context of the span that ended last, not its own.
      const warn = (message: string, ...args: unknown[]) =>
        context.with(ROOT_CONTEXT, () => log.warn({ component: 'tracing', detail: describeDiag(message, args) }, 'tracing: the SDK reports a problem (spans may be lost)'));
      diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    },

    async shutdown() {
      const bound = new Promise<void>((resolve) => setTimeout(resolve, config.timeoutMs + 1000).unref());
      await Promise.race([provider.shutdown().catch(() => {}), bound]);
    },
  };
  return tracing;
}

/** One line of what the SDK reports: an export error comes as its JSON with a stack; its first line will do. */
function describeDiag(message: string, args: readonly unknown[]): string {
  let text = message;
  try {
    const parsed = JSON.parse(message) as { message?: unknown; stack?: unknown };
    text = String(parsed.message ?? parsed.stack ?? message);
  } catch {
    // not JSON: as it is
  }
  const rest = args.map((arg) => (arg instanceof Error ? arg.message : String(arg)));
  return [text, ...rest].join(' ').split('\n')[0]!.slice(0, 300);
}

async function createExporter(config: TracingConfig): Promise<SpanExporter> {
  // Everything the exporter would otherwise read from OTEL_* itself is given here.
  const options = { url: config.endpoint, headers: { ...config.headers }, timeoutMillis: config.timeoutMs, compression: 'none' as never, concurrencyLimit: 30 };
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}

function createSampler({ name, ratio }: TracingSampler): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function operationSpan(span: Span): OperationSpan {
  return {
    describe(type, name) {
      const bounded = name && name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}...` : name;
      if (type) span.setAttribute('graphql.operation.type', type);
      if (bounded) span.setAttribute('graphql.operation.name', bounded);
      // The semantic conventions' span name: "{type} {name}", or the type alone.
      if (type) span.updateName(bounded ? `${type} ${bounded}` : type);
    },
    cacheHit(hit) {
      span.setAttribute('gateway.cache_hit', hit);
    },
    failed(codes) {
      if (codes.length === 0) return;
      const distinct = [...new Set(codes)];
      span.setAttribute('gateway.error_codes', distinct);
      span.setStatus({ code: SpanStatusCode.ERROR, message: distinct.join(',') });
    },
    declined() {
      span.setAttribute('gateway.declined', true);
      span.updateName('GraphQL compiled path (declined)');
    },
  };
}

type StartSpan = (name: string, options: { kind: SpanKind; attributes: Attributes }, parent: Context) => Span;

function statementSpan(start: StartSpan, parent: Context, sql: string, target: StatementTarget, statements: number): StatementSpan {
  const { summary, operation } = describeStatement(sql, statements);
  const attributes: Attributes = {
    'db.system': 'mysql',
    'db.system.name': 'mysql',
    'db.namespace': target.name,
    'db.operation.name': operation,
    'db.query.summary': summary,
    'db.query.text': sql.length > MAX_STATEMENT_TEXT ? `${sql.slice(0, MAX_STATEMENT_TEXT)}...` : sql,
    'server.address': target.host,
    'server.port': target.port,
  };
  if (statements > 1) attributes['db.operation.batch.size'] = statements;
  const span = start(summary, { kind: SpanKind.CLIENT, attributes }, parent);
  return {
    end(result, errorCode) {
      if (errorCode !== null) {
        span.setAttribute('error.type', errorCode);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
      } else {
        const { returned, affected } = countRows(result, statements);
        if (returned !== null) span.setAttribute('db.response.returned_rows', returned);
        if (affected !== null) span.setAttribute('gateway.db.affected_rows', affected);
      }
      span.end();
    },
  };
}

/** Rows a result returned (a read) and affected (a write); a batch's results summed. */
function countRows(result: unknown, statements: number): { returned: number | null; affected: number | null } {
  let returned: number | null = null;
  let affected: number | null = null;
  const add = (one: unknown) => {
    if (Array.isArray(one)) returned = (returned ?? 0) + one.length;
    else if (one && typeof one === 'object' && 'affectedRows' in one) affected = (affected ?? 0) + Number((one as { affectedRows: unknown }).affectedRows);
  };
  if (statements > 1 && Array.isArray(result)) for (const one of result) add(one);
  else add(result);
  return { returned, affected };
}

const TARGET = /^\s*(?:insert\s+(?:ignore\s+)?into|replace\s+into|update|delete\s+from)\s+`?(\w+)`?|\bfrom\s+`?(\w+)`?/i;
const described = new Map<string, { summary: string; operation: string }>();

/** db.query.summary ("SELECT orders", "BEGIN; INSERT orders; COMMIT") and db.operation.name, kept per text. */
export function describeStatement(sql: string, statements: number): { summary: string; operation: string } {
  let found = described.get(sql);
  if (found) return found;
  const parts = statements > 1 ? sql.split('; ') : [sql];
  const summaries = parts.map((part) => {
    const keyword = /^[\s(]*([A-Za-z]+)/.exec(part)?.[1]?.toUpperCase() ?? 'SQL';
    const match = TARGET.exec(part);
    const table = match?.[1] ?? match?.[2];
    return table ? `${keyword} ${table.toLowerCase()}` : keyword;
  });
  const first = summaries[0]!.split(' ')[0]!;
  found = { summary: summaries.join('; '), operation: statements > 1 ? 'BATCH' : first };
  // Texts repeat per query shape; loaders' IN lists vary in length, so the map is bounded.
  if (described.size >= 2000) described.clear();
  described.set(sql, found);
  return found;
}
