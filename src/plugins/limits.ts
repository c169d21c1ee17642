// Query limits, checked before any resolver (and so any SQL) runs, for every
// way into Yoga's pipeline, and (shapeVerdict, costVerdict) by the compiled
// fast path, which bypasses the plugin:
//   - tokens:  parse() stops early (graphql's maxTokens), onParse;
//   - nesting: before parse() recurses (guards/nesting.ts), onParse;
//   - depth and aliases: document-only, onValidate, before graphql's own
//     validation (whose overlapping-fields rule is quadratic in aliases);
//   - cost: an estimate of the objects the response would hold, where a
//     paginated list counts its `first` rows; `first` may come from variables,
//     so it is checked in onExecute/onSubscribe, after validation, where the
//     variables of this request are known. (Yoga's validation cache stores
//     results per document, so a variable-dependent verdict cannot live there.)
// Each refusal is QUERY_TOO_COMPLEX naming the limit, the value and the maximum.
// The measuring itself is src/query-shape.ts.
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.ts';
import { isAppError, QueryTooComplexError } from '../errors.ts';
import { assertNesting } from '../guards/nesting.ts';
import { costOf, countTokens, documentShape } from '../query-shape.ts';
import { asGraphQLError } from './masking.ts';

type QueryLimits = Pick<Limits, 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxCost'>;

export function useQueryLimits(limits: QueryLimits): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        // Before the parser recurses: a document nested thousands deep overflows its stack.
        try {
          assertNesting(typeof source === 'string' ? source : source.body, { maxTokens: limits.maxTokens });
        } catch (error) {
          throw isAppError(error) ? asGraphQLError(error) : error;
        }
        try {
          return parseFn(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError) {
            const tokens = countTokens(typeof source === 'string' ? source : source.body);
            if (tokens > limits.maxTokens) {
              throw asGraphQLError(
                new QueryTooComplexError(`Query has ${tokens} tokens, more than the limit of ${limits.maxTokens}.`, 'tokens', tokens, limits.maxTokens),
              );
            }
          }
          throw error;
        }
      });
    },
    onValidate({ params, setResult }) {
      const verdict = shapeVerdict(params.documentAST, limits);
      // Setting a result skips graphql's validation of an oversized document.
      if (verdict) setResult([asGraphQLError(verdict)]);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const { error } = costVerdict(args.schema, args.document, args.operationName, args.variableValues, limits);
      if (error) setResultAndStopExecution({ errors: [asGraphQLError(error)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const { error } = costVerdict(args.schema, args.document, args.operationName, args.variableValues, limits);
      if (error) setResultAndStopExecution({ errors: [asGraphQLError(error)] });
    },
  };
}

/** Over the depth or alias limit: the refusal; null within them. */
export function shapeVerdict(document: DocumentNode, limits: QueryLimits): QueryTooComplexError | null {
  const { depth, aliases } = documentShape(document);
  if (depth > limits.maxDepth) {
    return new QueryTooComplexError(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}.`, 'depth', depth, limits.maxDepth);
  }
  if (aliases > limits.maxAliases) {
    return new QueryTooComplexError(`Query uses ${aliases} aliases, more than the limit of ${limits.maxAliases}.`, 'aliases', aliases, limits.maxAliases);
  }
  return null;
}

/** The operation's estimated cost (objects its response could hold), and the refusal when it is over the limit. */
export function costVerdict(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: unknown,
  limits: QueryLimits,
): { cost: number; error: QueryTooComplexError | null } {
  const cost = costOf(schema, document, operationName, variables);
  if (cost <= limits.maxCost) return { cost, error: null };
  const error = new QueryTooComplexError(
    `Query cost ${cost} exceeds the limit of ${limits.maxCost}: ask for fewer rows (smaller \`first\`) or fewer nested lists.`,
    'cost',
    cost,
    limits.maxCost,
  );
  return { cost, error };
}

/**
 * For the compiled fast path, on a parsed and validated document: its
 * estimated cost when depth, aliases and cost are all within the limits, or
 * null when the plugin would refuse it (then the ordinary path answers).
 */
export function admittedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: unknown,
  operationName: string | null | undefined,
  limits: QueryLimits,
): number | null {
  if (shapeVerdict(document, limits)) return null;
  const { cost, error } = costVerdict(schema, document, operationName, variables, limits);
  return error ? null : cost;
}
