// Document templates: a query whose variables are only ids of point lookups,
// booleans of @include/@skip, the `first` and the `after` of lists, and values
// of a list's `filter` plans the same way for every request with the same
// booleans, firsts, cursors present and kinds of filter values, whatever the
// ids, cursors, search texts and compared values. So it is planned, measured
// against the limits and compiled (with stand-ins for its bound values,
// compile-cache.ts) once per document, kind of viewer (viewerShape) and those
// structural values, and a request only checks its values as the planner
// would (parseId, decodeCursor, the scalars' own coercion) and binds them with
// its viewer's user id (the row rules' parameter).
// What a template assumes of the filter functions: template-filters.ts.
import { getOperationAST, Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import { decodeCursor, encodeCursor, type CursorKind } from '../connections.ts';
import { perDocument, variableUses } from '../query-shape.ts';
import { parseId } from '../values.ts';
import { ADMIN_WITHOUT_USER, ANONYMOUS, type Viewer } from '../viewer.ts';
import { compileWithStandIns, sameBound } from './compile-cache.ts';
import { compileQuery, type CompiledForm, type CompiledQueryPlan } from './forms.ts';
import type { OperationPlan } from './plan.ts';
import { buildPlan } from './plan-query.ts';
import { FILTERED, filterKey, filterValue, planFilterStandIns, type FilterSource, type FilterVariable } from './template-filters.ts';

/** Where a bound value of the template's statements comes from. */
type Source =
  | { readonly kind: 'id'; readonly name: string }
  | { readonly kind: 'cursor'; readonly name: string; readonly cursor: CursorKind }
  | { readonly kind: 'viewer' }
  | FilterSource
  | { readonly kind: 'constant'; readonly value: unknown };

export interface QueryTemplate {
  /** The plan, its point lookups' ids stand-ins (a request's go in `rootIds`). */
  readonly plan: OperationPlan;
  /** Compiled with stand-ins for every bound value, in either form (forms.ts). */
  readonly compiled: CompiledQueryPlan;
  /** Each bound value's source, in the stand-ins' order. */
  readonly sources: readonly Source[];
  /** Single roots whose id is a variable's or the viewer's (for NOT_FOUND), and that value's index in `sources`. */
  readonly rootIds: readonly { readonly root: number; readonly index: number }[];
}

/** The kinds of viewer plan with this user id (templates plan with stand-ins of their own, sentinelId). */
const VIEWER_SENTINEL = '18446744073709551599';
const SENTINEL_DIGITS = '1844674407370955';

/**
 * The kind of viewer a template is planned for: what the access and row
 * rules tell apart (anonymous, admin without a user, admin with one, customer).
 */
export function viewerShape(viewer: Viewer): ViewerShape {
  if (viewer.kind === 'anonymous') return ANONYMOUS_SHAPE;
  if (viewer.kind === 'customer') return CUSTOMER_SHAPE;
  return viewer.userId === null ? ADMIN_SHAPE : ADMIN_USER_SHAPE;
}

export interface ViewerShape {
  readonly key: string;
  readonly standIn: Viewer;
}

// One of each, so telling a request's kind of viewer allocates nothing.
const ANONYMOUS_SHAPE: ViewerShape = { key: 'anonymous', standIn: ANONYMOUS };
const CUSTOMER_SHAPE: ViewerShape = { key: 'customer', standIn: { kind: 'customer', userId: VIEWER_SENTINEL } };
const ADMIN_SHAPE: ViewerShape = { key: 'admin', standIn: ADMIN_WITHOUT_USER };
const ADMIN_USER_SHAPE: ViewerShape = { key: 'admin-user', standIn: { kind: 'admin', userId: VIEWER_SENTINEL } };

/** Estimated objects of the document's response, or null when the limits refuse it (see plugins/limits.ts admittedCost). */
export type Measure = (document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined) => number | null;

/** A document's variables by their one use a template can take. */
export interface TemplateVariables {
  /** `ID!`, only the `id` of user/order/product. */
  readonly ids: readonly string[];
  /** `Boolean!`, only in directives (@include/@skip): part of the template's key. */
  readonly flags: readonly string[];
  /** `Int!`, only the `first` of lists: part of the key. */
  readonly firsts: readonly string[];
  /** `String` or `String!`, only the `after` of lists of one kind: present or not is part of the key. */
  readonly cursors: readonly { readonly name: string; readonly kind: CursorKind; readonly required: boolean }[];
  /** Only fields of a list's (or productCount's) `filter`: texts, booleans, enums, Decimal and DateTime (template-filters.ts). */
  readonly filters: readonly FilterVariable[];
}

const POINT_LOOKUPS = new Set(['user', 'order', 'product']);
const LIST_KIND: Record<string, CursorKind> = { users: 'User', orders: 'Order', products: 'Product' };
/** The operation's variables sorted by use, or null when one has another use (or a default value). */
export const templateVariables = perDocument((doc, operationName): TemplateVariables | null => {
  const operation = getOperationAST(doc, operationName || undefined);
  if (!operation || operation.operation !== 'query') return null;
  const uses = variableUses(doc);
  const found: { ids: string[]; flags: string[]; firsts: string[]; cursors: TemplateVariables['cursors'][number][]; filters: FilterVariable[] } = {
    ids: [],
    flags: [],
    firsts: [],
    cursors: [],
    filters: [],
  };
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) return null;
    const name = definition.variable.name.value;
    const required = definition.type.kind === Kind.NON_NULL_TYPE;
    const named = definition.type.kind === Kind.NON_NULL_TYPE ? definition.type.type : definition.type;
    if (named.kind !== Kind.NAMED_TYPE) return null;
    const mine = uses.filter((use) => use.name === name);
    const every = (test: (use: (typeof uses)[number]) => boolean) => mine.length > 0 && mine.every(test);
    const type = named.name.value;
    if (required && type === 'ID' && every((use) => use.whole && use.argument === 'id' && POINT_LOOKUPS.has(use.field?.name.value ?? ''))) found.ids.push(name);
    else if (required && type === 'Boolean' && every((use) => use.field === null)) found.flags.push(name);
    else if (required && type === 'Int' && every((use) => use.whole && use.argument === 'first' && LIST_KIND[use.field?.name.value ?? ''] !== undefined)) found.firsts.push(name);
    else if (type === 'String' && every((use) => use.whole && use.argument === 'after' && LIST_KIND[use.field?.name.value ?? ''] !== undefined)) {
      const kinds = new Set(mine.map((use) => LIST_KIND[use.field!.name.value]!));
      if (kinds.size !== 1) return null;
      found.cursors.push({ name, kind: [...kinds][0]!, required });
    } else if (type !== 'ID' && type !== 'Int' && type !== 'Float' && every((use) => use.argument === 'filter' && use.inputField !== null && FILTERED.has(use.field?.name.value ?? ''))) {
      // Validation has matched the variable's type to the field's; filterKey tells enums from input objects.
      found.filters.push({ name, type, required });
    } else return null;
  }
  // Every use of a variable must be one of its definition's (variableUses reads fragments too).
  if (uses.some((use) => !operation.variableDefinitions?.some((d) => d.variable.name.value === use.name))) return null;
  return found;
});

/** The structural values' key, or null when a value is not of its type (the ordinary planner reports it). */
export function templateKey(variables: TemplateVariables, vars: Record<string, unknown>, schema: GraphQLSchema): string | null {
  let key = '';
  for (const name of variables.flags) {
    const value = vars[name];
    if (typeof value !== 'boolean') return null;
    key += value ? 't' : 'f';
  }
  for (const name of variables.firsts) {
    const value = vars[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2 ** 31) return null;
    key += `,${value}`;
  }
  for (const { name, required } of variables.cursors) {
    const value = vars[name];
    if (value === null || value === undefined) {
      if (required) return null;
      key += '-';
    } else if (typeof value === 'string') key += '+';
    else return null;
  }
  for (const filter of variables.filters) {
    const part = filterKey(filter, vars[filter.name], schema);
    if (part === null) return null;
    key += part;
  }
  return key;
}

/** What a template is planned from: the document, its variables' uses and the request's structural values. */
export interface TemplateInput {
  readonly schema: GraphQLSchema;
  readonly doc: DocumentNode;
  readonly operationName: string | undefined;
  readonly variables: TemplateVariables;
  /** The request's variables: its booleans, firsts and which cursors it sends. */
  readonly requestVars: Record<string, unknown>;
  readonly measure: Measure;
  readonly maxObjects: number;
  /** The kind of viewer (viewerShape's stand-in). */
  readonly standIn: Viewer;
  readonly form: CompiledForm;
}

/** The template for these structural values, or null when the document does not plan (the ordinary path answers). */
export function buildQueryTemplate(input: TemplateInput): QueryTemplate | null {
  const { doc, variables } = input;
  if (variables.ids.length + variables.cursors.length + variables.filters.length > 100) return null;
  // A literal id that looks like a stand-in would be taken for one.
  if (doc.loc?.source.body.includes(SENTINEL_DIGITS)) return null;
  const planned = planWithStandIns(input, 0);
  const template = planned ? templateOf(planned, input.form) : null;
  if (!template) return null;
  // Kept only if filling it with other ids, cursors and viewer sends what planning those sends:
  // a compiler that wrote a stand-in into its text (a status's counter keeps compared values as
  // they are, a customer's id among them) would otherwise send one stand-in's value for all.
  const probe = planWithStandIns(input, 300);
  if (!probe) return null;
  const filled = fillTemplate(template, probe.vars, probe.viewer);
  if (!filled) return null;
  const { json, rows } = filled.compiled;
  return sameBound({ json, rows }, compileQuery(probe.plan, input.form), filled.compiled.values ?? []) ? template : null;
}

/** Ids no client would send (below BIGINT UNSIGNED's largest), distinct for each stand-in; `offset` 0 or 300 picks a set. */
const sentinelId = (i: number) => `18446744073709551${String(i).padStart(3, '0')}`;

/** A plan made with stand-in values: the variables and viewer it was planned for, and what each stand-in stands for. */
interface StandInPlan {
  readonly plan: OperationPlan;
  readonly vars: Record<string, unknown>;
  readonly viewer: Viewer;
  readonly sources: ReadonlyMap<unknown, Source>;
}

/** The document planned (and measured) with stand-in ids, cursors and filter values numbered from `offset`, or null when it does not plan. */
function planWithStandIns(input: TemplateInput, offset: number): StandInPlan | null {
  const { schema, doc, operationName, variables, requestVars, measure, maxObjects, standIn } = input;
  const viewerId = sentinelId(offset + 299);
  const viewer: Viewer = standIn.kind === 'anonymous' || standIn.userId === null ? standIn : { ...standIn, userId: viewerId };
  const sources = new Map<unknown, Source>([[viewerId, { kind: 'viewer' }]]);
  const vars: Record<string, unknown> = {};
  variables.ids.forEach((name, i) => {
    vars[name] = sentinelId(offset + i);
    sources.set(sentinelId(offset + i), { kind: 'id', name });
  });
  variables.cursors.forEach(({ name, kind }, j) => {
    const id = sentinelId(offset + variables.ids.length + j);
    const present = requestVars[name] !== null && requestVars[name] !== undefined;
    vars[name] = present ? encodeCursor(kind, id) : null;
    sources.set(id, { kind: 'cursor', name, cursor: kind });
  });
  for (const name of [...variables.flags, ...variables.firsts]) vars[name] = requestVars[name];
  if (!planFilterStandIns(schema, variables.filters, requestVars, { from: offset + variables.ids.length + variables.cursors.length, text: sentinelId }, vars, sources)) return null;
  const cost = measure(doc, vars, operationName);
  if (cost === null || cost > maxObjects) return null;
  const plan = buildPlan(schema, doc, operationName, vars, viewer);
  if (!plan || plan.roots.length === 0) return null;
  return { plan, vars, viewer, sources };
}

/** The template of a stand-in plan: compiled once with stand-ins for every bound value, each value's source. */
function templateOf({ plan, sources }: StandInPlan, form: CompiledForm): QueryTemplate | null {
  const real = compileQuery(plan, form);
  const standIns = compileWithStandIns(plan, form, false, real) ?? compileWithStandIns(plan, form, true, real);
  if (!standIns) return null;
  // A single root's id is always among the bound values (the compile's walk binds it).
  const rootIds = plan.roots.flatMap((root, i) => (root.kind === 'single' && sources.has(root.id) ? [{ root: i, index: standIns.values.indexOf(root.id) }] : []));
  if (rootIds.some(({ index }) => index < 0)) return null;
  return {
    plan,
    compiled: standIns.compiled,
    sources: standIns.values.map((value): Source => sources.get(value) ?? { kind: 'constant', value }),
    rootIds,
  };
}

/** A bound value for this request (throws INVALID for an id or cursor the planner refuses). */
function valueOf(source: Source, vars: Record<string, unknown>, viewer: Viewer): unknown {
  switch (source.kind) {
    case 'constant':
      return source.value;
    case 'viewer':
      return viewer.kind === 'anonymous' ? null : viewer.userId;
    case 'id': {
      const raw = vars[source.name];
      const text = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
      if (typeof text !== 'string') throw INVALID;
      return parseId(text);
    }
    case 'cursor': {
      const id = decodeCursor(source.cursor, vars[source.name] as string);
      if (id === null) throw INVALID;
      return id;
    }
    case 'text':
    case 'scalar':
      return filterValue(source, vars, INVALID);
  }
}

/**
 * What a request runs of a template: the template's plan (its single roots'
 * ids are stand-ins: the request's are in `ids`), and the statements with the
 * request's values bound.
 */
export interface FilledTemplate {
  readonly plan: OperationPlan;
  readonly compiled: CompiledQueryPlan;
  /** The request's id of each single root whose id is a variable's or the viewer's, by root index (for NOT_FOUND). */
  readonly ids: readonly (string | undefined)[] | undefined;
}

/** The plan and compiled statements for these variables, or null when an id, a cursor or a scalar is malformed (the resolvers say so). */
export function fillTemplate(template: QueryTemplate, vars: Record<string, unknown>, viewer: Viewer): FilledTemplate | null {
  const { sources, rootIds } = template;
  const values = new Array<unknown>(sources.length);
  let ids: (string | undefined)[] | undefined;
  try {
    for (let i = 0; i < sources.length; i++) values[i] = valueOf(sources[i]!, vars, viewer);
  } catch {
    return null;
  }
  if (rootIds.length > 0) {
    ids = [];
    for (const { root, index } of rootIds) ids[root] = values[index] as string;
  }
  return { plan: template.plan, compiled: { json: template.compiled.json, rows: template.compiled.rows, values }, ids };
}

const INVALID = new Error('not a value the planner takes');
