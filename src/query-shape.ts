// What a GraphQL document asks for, measured once per document and shared by
// the limits plugin (plugins/limits.ts), the compiled path and graphql-jit's
// gate: its fragments, where its variables are used, its depth and aliases,
// and an estimate of the objects its response could hold. Everything here
// reads the document only (and the schema for list types and defaults).
import {
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
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from './connections.ts';

/**
 * A value computed once per parsed document (and key, e.g. the operation
 * name): documents are cached by Yoga and by the compiled path, so a repeated
 * query is analysed once, and a forgotten document takes its entries with it.
 */
export function perDocument<T>(compute: (document: DocumentNode, key: string) => T): (document: DocumentNode, key?: string) => T {
  const memo = new WeakMap<DocumentNode, Map<string, T>>();
  return (document, key = '') => {
    let byKey = memo.get(document);
    if (!byKey) memo.set(document, (byKey = new Map()));
    const known = byKey.get(key);
    if (known !== undefined || byKey.has(key)) return known as T;
    const value = compute(document, key);
    byKey.set(key, value);
    return value;
  };
}

/** The document's fragments by name, in the shape graphql-js's collectFields takes. */
export const fragmentsOf = perDocument((document): Record<string, FragmentDefinitionNode> => {
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
});

/** One place a variable is used. */
export interface VariableUse {
  readonly name: string;
  /** The field in whose arguments the variable stands (however deep in an input value), or null (e.g. in a directive). */
  readonly field: FieldNode | null;
  /** That argument's name. */
  readonly argument: string | null;
  /** True when the variable is the argument's whole value, not part of a list or an input object. */
  readonly whole: boolean;
  /** The field of the argument's input object whose whole value the variable is (`filter: { search: $s }`: search), else null. */
  readonly inputField: string | null;
}

/** Every use of a variable in the document (its operations and fragments), outside the variable definitions. */
export const variableUses = perDocument((document): VariableUse[] => {
  const uses: VariableUse[] = [];
  const inValue = (value: ValueNode, field: FieldNode | null, argument: string | null, whole: boolean, inputField: string | null = null): void => {
    if (value.kind === Kind.VARIABLE) uses.push({ name: value.name.value, field, argument, whole, inputField });
    else if (value.kind === Kind.LIST) for (const item of value.values) inValue(item, field, argument, false);
    else if (value.kind === Kind.OBJECT) for (const item of value.fields) inValue(item.value, field, argument, false, whole ? item.name.value : null);
  };
  const inDirectives = (node: { directives?: readonly { arguments?: readonly { value: ValueNode }[] }[] }) => {
    for (const directive of node.directives ?? []) for (const arg of directive.arguments ?? []) inValue(arg.value, null, null, false);
  };
  const inSelections = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      inDirectives(selection);
      if (selection.kind === Kind.FIELD) {
        for (const arg of selection.arguments ?? []) inValue(arg.value, selection, arg.name.value, true);
        if (selection.selectionSet) inSelections(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inSelections(selection.selectionSet);
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    inDirectives(definition);
    inSelections(definition.selectionSet);
  }
  return uses;
});

/** Rows assumed for a list field that takes no `first` (e.g. Order.items). */
export const UNPAGED_LIST_SIZE = 10;
/** `first` when neither the query nor the schema gives one (the schema's default is 20). */
const DEFAULT_PAGE_SIZE = 20;


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

/**
 * Deepest field nesting and number of aliased fields, the worst over the
 * document's operations. Fragments are followed (each spread counts again)
 * and measured once each, so a document cannot make this walk exponential;
 * a fragment cycle (invalid anyway) counts as nothing. Introspection fields
 * (`__schema`, `__type`) run no SQL and are not counted: GraphiQL's own
 * introspection query is 13 levels deep.
 */
export const documentShape = perDocument(measureShape);

function measureShape(document: DocumentNode): { depth: number; aliases: number } {
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
    const fragment = fragments[name];
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
            const fragment = fragments[name];
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

/**
 * estimateCost's figure, kept per document and operation when it does not
 * depend on the variables (then a repeated query is estimated once).
 */
export function costOf(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown): number {
  const fixed = fixedCosts(document, operationName ?? '');
  if (fixed.schema === schema) return fixed.cost;
  const estimate = estimateCost(schema, document, operationName, variables);
  if (!estimate.usesVariables) Object.assign(fixed, { schema, cost: estimate.cost });
  return estimate.cost;
}

const fixedCosts = perDocument((): { schema: GraphQLSchema | null; cost: number } => ({ schema: null, cost: 0 }));
