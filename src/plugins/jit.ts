// graphql-jit for what the compiled path declines (errors to report,
// mutations the front does not answer, introspection, COMPILED_QUERIES=false):
// it compiles each document once into plain JavaScript and, on the DataLoader
// path's Dashboard, runs in ~38% of graphql-js's instructions
// (bench/RESULTS.md, round 7).
//
// Its answers must look exactly like graphql-js's (clients, and the compiled
// path's equivalence tests, rely on it). Where graphql-jit 0.8 differs, the
// operation runs on graphql-js instead:
// - with fragments or @skip/@include: graphql-jit orders the fields unlike the
//   spec's CollectFields (`{ user(id: "1") { ...U email } }` with U = `id name`
//   comes back as email, id, name; a skipped field that comes again later keeps
//   its first place), so only plain selection sets run on it;
// - with variables graphql-js would refuse: graphql-jit's message drops our
//   scalars' own ("input.price must have at most two decimals...").
// And its results (of queries, mutations and each subscription event) are
// reshaped here:
// - graphql-jit's schema-built stringifier, which Yoga would use, puts `data`
//   before `errors`: the result goes on in graphql-js's key order without it,
//   and Yoga writes it with JSON.stringify;
// - its errors carry `locations` but not the source positions they come from,
//   and Yoga rebuilds every error from those positions before writing it
//   (dropping the locations): each becomes a graphql-js error with positions.
import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  visit,
  BREAK,
  getVariableValues,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type Source,
  type SourceLocation,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';

/** `onDecision` (a test hook) hears, per execution, whether graphql-jit ran it. */
export function useJitExecution(log: Logger, onDecision?: (jit: boolean) => void): Plugin[] {
  return [
    // Envelop's generic plugin, typed for any context; Yoga's context is one of those.
    useGraphQlJit(
      {},
      {
        // A document graphql-jit cannot compile is answered with the compilation
        // errors (the plugin's behaviour); the operator hears of it.
        onError: (result) => log.warn({ errors: result.errors?.map((e) => e.message) }, 'graphql-jit could not compile a document'),
        enableIf: (args) => {
          const jit = answersLikeGraphqlJs(args);
          onDecision?.(jit);
          return jit;
        },
      },
    ) as Plugin,
    {
      onExecute({ args }) {
        return {
          onExecuteDone({ result, setResult }) {
            if (!result || typeof result !== 'object' || Symbol.asyncIterator in result) return;
            // Only graphql-jit's results carry its stringifier; graphql-js's are already in shape.
            if (!('stringify' in result)) return;
            setResult(likeGraphqlJs(result as ExecutionResult, args.document));
          },
        };
      },
      // Each event of a subscription is a result of its own, written the same way.
      onSubscribe({ args }) {
        return {
          onSubscribeResult() {
            return { onNext: ({ result, setResult }) => setResult(likeGraphqlJs(result, args.document)) };
          },
        };
      },
    },
  ];
}

/** The result in graphql-js's key order, without graphql-jit's stringifier, its errors positioned. */
function likeGraphqlJs(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  const { errors, data, extensions } = result;
  const source = document.loc?.source;
  const shaped: ExecutionResult = errors?.length ? { errors: errors.map((error) => positioned(error, source)), data } : { data };
  if (extensions !== undefined) shaped.extensions = extensions;
  return shaped;
}

/** The error as graphql-js would make it: its locations as positions in the source. */
function positioned(error: GraphQLError, source: Source | undefined): GraphQLError {
  if (!source || error.positions || error.nodes || !error.locations?.length) return error;
  return new GraphQLError(error.message, {
    source,
    positions: error.locations.map((location) => offsetOf(source.body, location)),
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** The inverse of graphql-js's getLocation (same line terminators: \r\n, \n, \r). */
function offsetOf(body: string, { line, column }: SourceLocation): number {
  const terminators = /\r\n|[\n\r]/g;
  let lineStart = 0;
  for (let at = 1; at < line; at++) {
    const match = terminators.exec(body);
    if (!match) break;
    lineStart = match.index + match[0].length;
  }
  return lineStart + column - 1;
}

/** Documents graphql-jit orders as graphql-js does: no fragments, no directives. */
const plainDocuments = new WeakMap<DocumentNode, boolean>();

/** Whether graphql-jit's answer to these arguments is graphql-js's, byte for byte (see the header). */
function answersLikeGraphqlJs(args: ExecutionArgs): boolean {
  let plain = plainDocuments.get(args.document);
  if (plain === undefined) {
    plain = true;
    visit(args.document, {
      enter(node) {
        if (node.kind === Kind.FRAGMENT_SPREAD || node.kind === Kind.INLINE_FRAGMENT || node.kind === Kind.FRAGMENT_DEFINITION || node.kind === Kind.DIRECTIVE) {
          plain = false;
          return BREAK;
        }
        return undefined;
      },
    });
    plainDocuments.set(args.document, plain);
  }
  if (!plain) return false;
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  const definitions = operation?.variableDefinitions ?? [];
  if (definitions.length === 0) return true;
  const coerced = getVariableValues(args.schema, definitions, (args.variableValues ?? {}) as Record<string, unknown>, { maxErrors: 1 });
  return coerced.errors === undefined;
}
