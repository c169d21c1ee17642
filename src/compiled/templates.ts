// Document templates: a query whose only variables are ids of point lookups
// plans the same way whatever the ids, so it is planned and compiled once per
// document and kind of viewer (viewerShape), and a request only checks and
// binds its ids and its viewer's user id (the row rules' parameters).
import { getOperationAST, Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import { variableUses } from '../query-shape.ts';
import { parseId } from '../values.ts';
import type { Viewer } from '../viewer.ts';
import type { OperationPlan, RootPlan } from './plan.ts';
import { buildPlan } from './plan-query.ts';
import { compileQuery, type CompiledForm, type CompiledQueryPlan } from './forms.ts';

export interface QueryTemplate {
  readonly plan: OperationPlan;
  /** The JSON statement alone: a plan with plain-row roots (forms.ts) is planned per request, its values being in its conditions too. */
  readonly compiled: CompiledQueryPlan;
  /** Where each id variable's value goes: parameter positions of the JSON statement, and single roots (for NOT_FOUND). */
  readonly variables: { name: string; params: number[]; roots: number[] }[];
  /** Where the viewer's user id goes (row rules, the viewer root). */
  readonly viewer: { params: number[]; roots: number[] };
}

/** Stands in for the viewer's user id while a template is planned; ids below stand in for the variables. */
const VIEWER_SENTINEL = '18446744073709551599';
const SENTINEL_DIGITS = '1844674407370955';

/**
 * The kind of viewer a template is planned for: what the access and row
 * rules tell apart (anonymous, admin without a user, admin with one, customer).
 */
export function viewerShape(viewer: Viewer): { key: string; standIn: Viewer } {
  if (viewer.kind === 'anonymous') return { key: 'anonymous', standIn: viewer };
  if (viewer.kind === 'customer') return { key: 'customer', standIn: { kind: 'customer', userId: VIEWER_SENTINEL } };
  return viewer.userId === null ? { key: 'admin', standIn: viewer } : { key: 'admin-user', standIn: { kind: 'admin', userId: VIEWER_SENTINEL } };
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
  standIn: Viewer,
  form: CompiledForm,
): QueryTemplate | null {
  const names = idOnlyVariables(doc, operationName);
  if (!names || names.length === 0 || names.length > 100) return null;
  // A literal id that looks like a stand-in would be taken for one.
  if (doc.loc?.source.body.includes(SENTINEL_DIGITS)) return null;
  // Distinct valid ids no client would send stand in for the variables.
  const sentinels = names.map((_, i) => `18446744073709551${String(i).padStart(3, '0')}`);
  const vars = Object.fromEntries(names.map((name, i) => [name, sentinels[i]]));
  const cost = measure(doc, vars, operationName);
  if (cost === null || cost > maxObjects) return null;
  const plan = buildPlan(schema, doc, operationName, vars, standIn);
  if (!plan || plan.roots.length === 0) return null;
  const compiled = compileQuery(plan, form);
  if (!compiled.json || compiled.rows.some((read) => read !== null)) return null;
  const jsonParams = compiled.json.query.params;
  const slots = (value: string) => ({
    params: jsonParams.flatMap((param, j) => (param === value ? [j] : [])),
    roots: plan.roots.flatMap((root, j) => (root.kind === 'single' && root.id === value ? [j] : [])),
  });
  return { plan, compiled, variables: names.map((name, i) => ({ name, ...slots(sentinels[i]!) })), viewer: slots(VIEWER_SENTINEL) };
}

/** The plan and statement for these variables, or null when an id is missing or malformed (the resolvers say so). */
export function fillTemplate(
  template: QueryTemplate,
  vars: Record<string, unknown>,
  viewer: Viewer,
): { plan: OperationPlan; compiled: CompiledQueryPlan } | null {
  const json = template.compiled.json!;
  const params = [...json.query.params];
  const roots: RootPlan[] = [...template.plan.roots];
  const viewerId = viewer.kind === 'anonymous' ? null : viewer.userId;
  if (viewerId !== null) {
    for (const j of template.viewer.params) params[j] = viewerId;
    for (const j of template.viewer.roots) roots[j] = { ...(roots[j] as Extract<RootPlan, { kind: 'single' }>), id: viewerId };
  }
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
  return { plan: { ...template.plan, roots }, compiled: { json: { ...json, query: { ...json.query, params } }, rows: template.compiled.rows } };
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
