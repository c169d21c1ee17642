// The operation span on the Yoga path (gateway.path=resolvers), with tracing
// on (src/tracing/). Yoga's `operation` instrumentation wraps everything
// one GraphQL operation does (parse, validate, context, execute), so the
// span is current for every resolver, DataLoader batch and statement of it;
// the hooks name it once the document is known and mark it failed when the
// result carries errors (their codes, after masking, as the request log
// has them). The compiled path makes its own (http/fast-path.ts).
import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Tracing } from '../tracing/tracing.ts';

export interface TracingPluginOptions {
  /** Whether the response cache is on (it only answers on the compiled path: gateway.cache_hit=false here). */
  readonly responseCache: boolean;
}

export function useTracing(tracing: Tracing, options: TracingPluginOptions): Plugin {
  const describe = (document: DocumentNode, operationName: string | null | undefined) => {
    const operation = getOperationAST(document, operationName);
    tracing.currentOperation()?.describe(operation?.operation, operation?.name?.value);
  };
  return {
    instrumentation: {
      operation: (_payload, wrapped) =>
        tracing.operation('resolvers', async (span) => {
          if (options.responseCache) span.cacheHit(false);
          await wrapped();
        }),
    },
    onExecute({ args }) {
      describe(args.document, args.operationName);
    },
    onSubscribe({ args }) {
      describe(args.document, args.operationName);
    },
    onExecutionResult({ result }) {
      if (Array.isArray(result)) return;
      const errors = (result as { errors?: readonly GraphQLError[] } | null)?.errors ?? [];
      tracing.currentOperation()?.failed(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
    },
  };
}
