// Document templates: a query whose only variables are ids of point lookups
// plans the same way whatever the ids, so it is planned and compiled once per
// document and a request only checks and binds its ids.
import { getOperationAST, Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import { variableUses } from '../query-shape.ts';
import { parseId } from '../values.ts';
import type { OperationPlan, RootPlan } from './plan.ts';
import { buildPlan } from './plan-query.ts';
import { compileJsonQuery, type CompiledJsonQuery } from './sql.ts';

export interface QueryTemplate {
  readonly plan: OperationPlan;
  readonly compiled: CompiledJsonQuery;
  /** Where each id variable's value goes: parameter positions, and single roots (for NOT_FOUND). */
  readonly variables: { name: string; params: number[]; roots: number[] }[];
}

/** Estimated objects of the document's response, or null when the limits refuse it (see plugins/limits.ts admittedCost). */
export type Measure = (document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined) => number | null;

/** The template of a document whose variables are all point-lookup ids, or null. */
export function buildQueryTemplate(
  schema: GraphQLSchema,
  doc: DocumentNode,
  operationName: string | undefined,
  measure: Measure,
  maxObjects: number,
): QueryTemplate | null {
  const names = idOnlyVariables(doc, operationName);
  if (!names || names.length === 0 || names.length > 100) return null;
  // Distinct valid ids no client would send stand in for the variables.
  const sentinels = names.map((_, i) => `18446744073709551${String(i).padStart(3, '0')}`);
  const vars = Object.fromEntries(names.map((name, i) => [name, sentinels[i]]));
  const cost = measure(doc, vars, operationName);
  if (cost === null || cost > maxObjects) return null;
  const plan = buildPlan(schema, doc, operationName, vars);
  if (!plan || plan.roots.length === 0) return null;
  const compiled = compileJsonQuery(plan);
  return {
    plan,
    compiled,
    variables: names.map((name, i) => ({
      name,
      params: compiled.params.flatMap((value, j) => (value === sentinels[i] ? [j] : [])),
      roots: plan.roots.flatMap((root, j) => (root.kind === 'single' && root.id === sentinels[i] ? [j] : [])),
    })),
  };
}

/** The plan and statement for these variables, or null when an id is missing or malformed (the resolvers say so). */
export function fillTemplate(template: QueryTemplate, vars: Record<string, unknown>): { plan: OperationPlan; compiled: CompiledJsonQuery } | null {
  const params = [...template.compiled.params];
  const roots: RootPlan[] = [...template.plan.roots];
  for (const variable of template.variables) {
    const raw = vars[variable.name];
    const text = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
    if (typeof text !== 'string') return null;
    let id: string;
    try {
      id = parseId(text);
    } catch {
      return null;
    }
    for (const j of variable.params) params[j] = id;
    for (const j of variable.roots) roots[j] = { ...(roots[j] as Extract<RootPlan, { kind: 'single' }>), id };
  }
  return { plan: { ...template.plan, roots }, compiled: { ...template.compiled, params } };
}

const POINT_LOOKUPS = new Set(['user', 'order', 'product']);

/**
 * The operation's variables when every one is an `ID!` used only as the `id`
 * argument of user/order/product (fields that exist only on Query), so its
 * value can only become a bound parameter; null otherwise.
 */
function idOnlyVariables(doc: DocumentNode, operationName: string | undefined): string[] | null {
  const operation = getOperationAST(doc, operationName);
  if (!operation || operation.operation !== 'query') return null;
  const names: string[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const type = definition.type;
    if (type.kind !== Kind.NON_NULL_TYPE || type.type.kind !== Kind.NAMED_TYPE || type.type.name.value !== 'ID') return null;
    if (definition.defaultValue) return null;
    names.push(definition.variable.name.value);
  }
  // Every use of a variable, anywhere in the document, must be user/order/product(id: $v).
  const idOnly = variableUses(doc).every((use) => use.whole && use.argument === 'id' && POINT_LOOKUPS.has(use.field?.name.value ?? ''));
  return idOnly ? names : null;
}
