// Query limits, checked before any resolver (and so any SQL) runs, for every
// way into Yoga's pipeline (HTTP handler or a fast path calling
// getResultForParams):
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
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getNamedType,
  getNullableType,
  isListType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.ts';
import { MAX_PAGE_SIZE } from '../connections.ts';
import { QueryTooComplexError } from '../errors.ts';
import { assertNesting } from '../guards/nesting.ts';

/** Rows assumed for a list field that takes no `first` (e.g. Order.items). */
export const UNPAGED_LIST_SIZE = 10;
/** `first` when neither the query nor the schema gives one (the schema's default is 20). */
const DEFAULT_PAGE_SIZE = 20;

type QueryLimits = Pick<Limits, 'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxCost'>;

export function useQueryLimits(limits: QueryLimits): Plugin {
  // Verdicts that depend only on the document, kept per parsed document (Yoga
  // caches parsed documents, so a repeated query is measured once).
  const shapeVerdicts = new WeakMap<DocumentNode, QueryTooComplexError | null>();
  const fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();

  function checkCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown) {
    const key = operationName ?? '';
    let cost = fixedCosts.get(document)?.get(key);
    if (cost === undefined) {
      const estimate = estimateCost(schema, document, operationName, variables);
      cost = estimate.cost;
      if (!estimate.usesVariables) {
        let byOperation = fixedCosts.get(document);
        if (!byOperation) fixedCosts.set(document, (byOperation = new Map()));
        byOperation.set(key, cost);
      }
    }
    if (cost > limits.maxCost) {
      return new QueryTooComplexError(
        `Query cost ${cost} exceeds the limit of ${limits.maxCost}: ask for fewer rows (smaller \`first\`) or fewer nested lists.`,
        'cost',
        cost,
        limits.maxCost,
      );
    }
    return null;
  }

  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        // Before the parser recurses: a document nested thousands deep overflows its stack.
        assertNesting(typeof source === 'string' ? source : source.body, { maxTokens: limits.maxTokens });
        try {
          return parseFn(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError) {
            const tokens = countTokens(typeof source === 'string' ? source : source.body);
            if (tokens > limits.maxTokens) {
              throw new QueryTooComplexError(
                `Query has ${tokens} tokens, more than the limit of ${limits.maxTokens}.`,
                'tokens',
                tokens,
                limits.maxTokens,
              );
            }
          }
          throw error;
        }
      });
    },
    onValidate({ params, setResult }) {
      const document = params.documentAST;
      let verdict = shapeVerdicts.get(document);
      if (verdict === undefined) {
        verdict = checkShape(document, limits);
        shapeVerdicts.set(document, verdict);
      }
      // Setting a result skips graphql's validation of an oversized document.
      if (verdict) setResult([verdict]);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = checkCost(args.schema, args.document, args.operationName, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = checkCost(args.schema, args.document, args.operationName, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

const shapes = new WeakMap<DocumentNode, { depth: number; aliases: number }>();

/**
 * The same verdict as the plugin, for a caller outside Yoga's pipeline (the
 * compiled fast path), on a parsed and validated document: true when depth,
 * aliases and cost are all within the limits.
 */
export function withinLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: unknown,
  operationName: string | null | undefined,
  limits: QueryLimits,
): boolean {
  let shape = shapes.get(document);
  if (!shape) shapes.set(document, (shape = measureShape(document)));
  if (shape.depth > limits.maxDepth || shape.aliases > limits.maxAliases) return false;
  return estimateCost(schema, document, operationName, variables).cost <= limits.maxCost;
}

/**
 * Counts lexical tokens, up to the first lexing error (a syntax error past
 * the limit still means the limit was passed). Runs only on a failed parse;
 * the body cap bounds the text.
 */
export function countTokens(text: string): number {
  const lexer = new Lexer(new Source(text));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // counted so far
  }
  return count;
}

function checkShape(document: DocumentNode, limits: QueryLimits): QueryTooComplexError | null {
  const { depth, aliases } = measureShape(document);
  if (depth > limits.maxDepth) {
    return new QueryTooComplexError(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}.`, 'depth', depth, limits.maxDepth);
  }
  if (aliases > limits.maxAliases) {
    return new QueryTooComplexError(`Query uses ${aliases} aliases, more than the limit of ${limits.maxAliases}.`, 'aliases', aliases, limits.maxAliases);
  }
  return null;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * Deepest field nesting and number of aliased fields, the worst over the
 * document's operations. Fragments are followed (each spread counts again)
 * and measured once each, so a document cannot make this walk exponential;
 * a fragment cycle (invalid anyway) counts as nothing. Introspection fields
 * (`__schema`, `__type`) run no SQL and are not counted: GraphiQL's own
 * introspection query is 13 levels deep.
 */
export function measureShape(document: DocumentNode): { depth: number; aliases: number } {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, { depth: number; aliases: number }>();
  const visiting = new Set<string>();

  function walk(selectionSet: SelectionSetNode): { depth: number; aliases: number } {
    let depth = 0;
    let aliases = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        if (selection.alias) aliases++;
        const inner = selection.selectionSet ? walk(selection.selectionSet) : { depth: 0, aliases: 0 };
        depth = Math.max(depth, 1 + inner.depth);
        aliases += inner.aliases;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = walk(selection.selectionSet);
        depth = Math.max(depth, inner.depth);
        aliases += inner.aliases;
      } else {
        const inner = spread(selection.name.value);
        depth = Math.max(depth, inner.depth);
        aliases += inner.aliases;
      }
    }
    return { depth, aliases };
  }

  function spread(name: string): { depth: number; aliases: number } {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || visiting.has(name)) return { depth: 0, aliases: 0 };
    visiting.add(name);
    const measured = walk(fragment.selectionSet);
    visiting.delete(name);
    memo.set(name, measured);
    return measured;
  }

  let depth = 0;
  let aliases = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const measured = walk(definition.selectionSet);
    depth = Math.max(depth, measured.depth);
    aliases = Math.max(aliases, measured.aliases);
  }
  return { depth, aliases };
}

/**
 * Estimated objects (rows, connections, nested objects) the operation's
 * response would hold; scalar fields are free, the token limit bounds them.
 * A field of object type yields one object per parent object; a list field
 * yields as many as its length: the `first` of the connection it belongs to
 * for a connection's `nodes`/`edges`, else UNPAGED_LIST_SIZE. `first` comes
 * from a literal, a variable (or its default) or the argument's schema
 * default, and is clamped to 0..100 (the resolvers refuse anything else).
 * Unknown fields count as nothing: validation has already refused them.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: unknown,
): { cost: number; usesVariables: boolean } {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = operationName ? operations.filter((op) => op.name?.value === operationName) : operations;
  const fragments = fragmentsOf(document);
  const values = variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : {};
  let usesVariables = false;
  let worst = 0;

  for (const operation of chosen) {
    const root = schema.getRootType(operation.operation);
    if (!root) continue;
    const defaults = new Map<string, ValueNode>();
    for (const definition of operation.variableDefinitions ?? []) {
      if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
    }
    const memo = new Map<string, number>();
    const visiting = new Set<string>();

    const intValue = (node: ValueNode | undefined): number | null => {
      if (!node) return null;
      if (node.kind === Kind.INT) return Number(node.value);
      if (node.kind === Kind.VARIABLE) {
        usesVariables = true;
        const raw = values[node.name.value];
        if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
        return raw === undefined ? intValue(defaults.get(node.name.value)) : null;
      }
      return null;
    };

    /** Objects below `selectionSet` per one parent object. */
    const unitCost = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, pageSize: number | null): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          if (name.startsWith('__')) continue;
          if (!isObjectType(parentType) && !isInterfaceType(parentType)) continue;
          const field = parentType.getFields()[name];
          if (!field || !selection.selectionSet) continue;
          const listSize = isListType(getNullableType(field.type)) ? (pageSize ?? UNPAGED_LIST_SIZE) : 1;
          const firstArg = field.args.find((arg) => arg.name === 'first');
          let childPageSize: number | null = null;
          if (firstArg) {
            const given = intValue(selection.arguments?.find((arg) => arg.name.value === 'first')?.value);
            const fallback = typeof firstArg.defaultValue === 'number' ? firstArg.defaultValue : DEFAULT_PAGE_SIZE;
            childPageSize = Math.min(MAX_PAGE_SIZE, Math.max(0, Math.trunc(given ?? fallback)));
          }
          const childType = getNamedType(field.type) as GraphQLCompositeType;
          total += listSize * (1 + unitCost(selection.selectionSet, childType, childPageSize));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
          total += unitCost(selection.selectionSet, (condition ?? parentType) as GraphQLCompositeType, pageSize);
        } else {
          const name = selection.name.value;
          const key = `${name}@${pageSize ?? ''}`;
          let cost = memo.get(key);
          if (cost === undefined) {
            const fragment = fragments.get(name);
            if (!fragment || visiting.has(name)) continue;
            visiting.add(name);
            const condition = schema.getType(fragment.typeCondition.name.value) ?? parentType;
            cost = unitCost(fragment.selectionSet, condition as GraphQLCompositeType, pageSize);
            visiting.delete(name);
            memo.set(key, cost);
          }
          total += cost;
        }
      }
      return total;
    };

    worst = Math.max(worst, unitCost(operation.selectionSet, root, null));
  }
  return { cost: worst, usesVariables };
}
