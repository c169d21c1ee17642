// The planner: turns a validated query operation into an OperationPlan, or
// answers null when any part of it is something only the resolvers handle
// (introspection, mutations, an argument that would be an error, ...). Null is
// never a failure: the request then runs through the ordinary executor, which
// produces exactly the errors the resolvers would.
import {
  getLocation,
  getOperationAST,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.js';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import { checkFirst, decodeCursor } from '../connections.ts';
import type { OrderStatus } from '../db/database.ts';
import type { FieldDef } from '../fields.ts';
import { ITEM_FIELDS, ORDER_FIELDS, orderConditions, userOrderConditions } from '../orders/order.fields.ts';
import { PRODUCT_FIELDS, productConditions } from '../products/product.fields.ts';
import { USER_FIELDS, userConditions } from '../users/user.fields.ts';
import { parseId } from '../values.ts';
import type { ConnectionPart, ConnectionPlan, Entity, ObjectPlan, OperationPlan, PlanField, PlanValue, RootPlan } from './plan.ts';

type Vars = Record<string, unknown>;
type Fragments = Record<string, FragmentDefinitionNode>;

/** Items per order assumed when bounding a response's size. */
const ITEMS_PER_ORDER_ESTIMATE = 10;

class NotCompilable extends Error {}
const bail = (): never => {
  throw new NotCompilable();
};

interface Ctx {
  schema: GraphQLSchema;
  fragments: Fragments;
  vars: Vars;
}

export function buildPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): OperationPlan | null {
  const prepared = prepareOperation(schema, document, operationName, rawVariables, 'query');
  if (!prepared) return null;
  const { operation, ctx } = prepared;
  const queryType = schema.getQueryType()!;
  return compilableOrNull(() => {
    const roots: RootPlan[] = [];
    let estimatedObjects = 0;
    for (const [key, nodes] of collectFields(schema, ctx.fragments, ctx.vars, queryType, operation.selectionSet)) {
      const root = planRoot(ctx, queryType, key, nodes);
      roots.push(root);
      estimatedObjects += rootCost(root);
    }
    return { operationName: operation.name?.value ?? null, roots, estimatedObjects };
  });
}

/** The operation of that kind and its planning context, or null (wrong kind, or variables the resolvers would refuse). */
function prepareOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
  kind: 'query' | 'mutation',
): { operation: OperationDefinitionNode; ctx: Ctx } | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation || operation.operation !== kind) return null;
  const fragments: Fragments = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return null;
  return { operation, ctx: { schema, fragments, vars: coerced.coerced } };
}

/** Runs a planning step; null when it met something only the resolvers handle. */
function compilableOrNull<T>(plan: () => T | null): T | null {
  try {
    return plan();
  } catch (error) {
    if (error instanceof NotCompilable) return null;
    // An argument the resolvers would refuse (bad id, first out of range, ...).
    if (error instanceof Error && error.name === 'GraphQLError') return null;
    throw error;
  }
}

function args(ctx: Ctx, parent: GraphQLObjectType, node: FieldNode): { def: GraphQLField<unknown, unknown>; values: Record<string, any> } {
  const def = parent.getFields()[node.name.value] ?? bail();
  return { def, values: getArgumentValues(def, node, ctx.vars) };
}

function objectType(ctx: Ctx, name: string): GraphQLObjectType {
  const type = ctx.schema.getType(name);
  return isObjectType(type) ? type : bail();
}

function planRoot(ctx: Ctx, queryType: GraphQLObjectType, key: string, nodes: readonly FieldNode[]): RootPlan {
  const node = nodes[0]!;
  const name = node.name.value;
  if (name === '__typename') return { key, kind: 'literal', json: '"Query"' };
  const { values } = args(ctx, queryType, node);
  switch (name) {
    case 'user':
    case 'order':
    case 'product': {
      const typeName = name === 'user' ? 'User' : name === 'order' ? 'Order' : 'Product';
      const location = node.loc ? getLocation(node.loc.source, node.loc.start) : null;
      return { key, kind: 'single', entity: name, id: parseId(values.id), object: planObject(ctx, typeName, nodes), location };
    }
    case 'users':
      return { key, kind: 'connection', connection: planConnection(ctx, 'user', values, nodes, false) };
    case 'orders':
      return { key, kind: 'connection', connection: planConnection(ctx, 'order', values, nodes, false) };
    case 'products':
      return { key, kind: 'connection', connection: planConnection(ctx, 'product', values, nodes, false) };
    case 'productCount':
      return { key, kind: 'productCount', where: productConditions(values.filter) };
    default:
      return bail();
  }
}

const TYPE_OF = { user: 'User', order: 'Order', product: 'Product' } as const;

function planConnection(
  ctx: Ctx,
  entity: 'user' | 'order' | 'product',
  values: Record<string, any>,
  nodes: readonly FieldNode[],
  ofParentUser: boolean,
): ConnectionPlan {
  const kind = TYPE_OF[entity];
  const first = checkFirst(values.first);
  const afterId = decodeCursor(kind, values.after);
  // The same conditions the resolvers pass to their repositories.
  const where = ofParentUser
    ? userOrderConditions((values.status as OrderStatus | undefined) ?? null)
    : entity === 'order'
      ? orderConditions(values.filter)
      : entity === 'user'
        ? userConditions(values.filter)
        : productConditions(values.filter);
  const connectionType = objectType(ctx, `${kind}Connection`);
  const parts: ConnectionPlan['parts'] = [];
  for (const [key, subNodes] of collectSubfields(ctx.schema, ctx.fragments, ctx.vars, connectionType, nodes)) {
    parts.push({ key, part: planConnectionPart(ctx, kind, subNodes) });
  }
  return { entity, where, ofParentUser, first, afterId, parts };
}

function planConnectionPart(ctx: Ctx, kind: 'User' | 'Order' | 'Product', nodes: readonly FieldNode[]): ConnectionPart {
  switch (nodes[0]!.name.value) {
    case '__typename':
      return { kind: 'literal', json: `"${kind}Connection"` };
    case 'nodes':
      return { kind: 'nodes', object: planObject(ctx, kind, nodes) };
    case 'totalCount':
      return { kind: 'totalCount' };
    case 'edges': {
      const fields: Extract<ConnectionPart, { kind: 'edges' }>['fields'] = [];
      for (const [key, sub] of collectSubfields(ctx.schema, ctx.fragments, ctx.vars, objectType(ctx, `${kind}Edge`), nodes)) {
        const name = sub[0]!.name.value;
        if (name === '__typename') fields.push({ key, part: 'typename', json: `"${kind}Edge"` });
        else if (name === 'cursor') fields.push({ key, part: 'cursor' });
        else if (name === 'node') fields.push({ key, part: 'node', object: planObject(ctx, kind, sub) });
        else bail();
      }
      return { kind: 'edges', fields };
    }
    case 'pageInfo': {
      const fields: Extract<ConnectionPart, { kind: 'pageInfo' }>['fields'] = [];
      for (const [key, sub] of collectSubfields(ctx.schema, ctx.fragments, ctx.vars, objectType(ctx, 'PageInfo'), nodes)) {
        const name = sub[0]!.name.value;
        if (name === '__typename') fields.push({ key, part: 'typename', json: '"PageInfo"' });
        else if (name === 'hasNextPage' || name === 'hasPreviousPage' || name === 'startCursor' || name === 'endCursor') fields.push({ key, part: name });
        else bail();
      }
      return { kind: 'pageInfo', fields };
    }
    default:
      return bail();
  }
}

/** The stored fields of each type, from the domains' definitions. */
const FIELDS: Record<string, Record<string, FieldDef>> = {
  User: USER_FIELDS,
  Order: ORDER_FIELDS,
  OrderItem: ITEM_FIELDS,
  Product: PRODUCT_FIELDS,
};

/** Fields computed from other rows. */
const AGGREGATES: Record<string, Record<string, PlanValue>> = {
  User: { orderCount: { kind: 'orderCount' }, totalSpent: { kind: 'totalSpent' } },
};

const ENTITY_OF = { User: 'user', Order: 'order', OrderItem: 'item', Product: 'product' } as const;

function planObject(ctx: Ctx, typeName: keyof typeof ENTITY_OF, nodes: readonly FieldNode[]): ObjectPlan {
  const type = objectType(ctx, typeName);
  const fields: PlanField[] = [];
  for (const [key, sub] of collectSubfields(ctx.schema, ctx.fragments, ctx.vars, type, nodes)) {
    const name = sub[0]!.name.value;
    const field = FIELDS[typeName]![name];
    const aggregate = AGGREGATES[typeName]?.[name];
    if (field) fields.push({ key, value: { kind: 'field', field } });
    else if (aggregate) fields.push({ key, value: aggregate });
    else if (name === '__typename') fields.push({ key, value: { kind: 'literal', json: `"${typeName}"` } });
    else if (typeName === 'User' && name === 'orders') {
      const { values } = args(ctx, type, sub[0]!);
      fields.push({ key, value: { kind: 'connection', connection: planConnection(ctx, 'order', values, sub, true) } });
    } else if (typeName === 'Order' && name === 'user') fields.push({ key, value: { kind: 'parent', via: 'user_id', object: planObject(ctx, 'User', sub) } });
    else if (typeName === 'Order' && name === 'items') fields.push({ key, value: { kind: 'items', object: planObject(ctx, 'OrderItem', sub) } });
    else if (typeName === 'OrderItem' && name === 'product') fields.push({ key, value: { kind: 'parent', via: 'product_id', object: planObject(ctx, 'Product', sub) } });
    else bail();
  }
  return { entity: ENTITY_OF[typeName], fields };
}

function objectCost(object: ObjectPlan): number {
  let cost = 1;
  for (const { value } of object.fields) {
    if (value.kind === 'parent') cost += objectCost(value.object);
    else if (value.kind === 'items') cost += ITEMS_PER_ORDER_ESTIMATE * objectCost(value.object);
    else if (value.kind === 'connection') cost += connectionCost(value.connection);
  }
  return cost;
}

function connectionCost(connection: ConnectionPlan): number {
  let perNode = 0;
  for (const { part } of connection.parts) {
    if (part.kind === 'nodes') perNode += objectCost(part.object);
    if (part.kind === 'edges') for (const f of part.fields) if (f.object) perNode += objectCost(f.object);
  }
  return 1 + Math.max(connection.first, 1) * perNode;
}

function rootCost(root: RootPlan): number {
  if (root.kind === 'single') return objectCost(root.object);
  if (root.kind === 'connection') return connectionCost(root.connection);
  return 1;
}

/** The entities a plan reads, for the response cache's tags and TTLs. */
export function entitiesOf(plan: OperationPlan): { entities: Entity[]; onlyCounts: boolean } {
  const seen = new Set<Entity>();
  const visitObject = (object: ObjectPlan) => {
    seen.add(object.entity);
    for (const { value } of object.fields) {
      if (value.kind === 'orderCount' || value.kind === 'totalSpent') seen.add('order');
      else if (value.kind === 'parent' || value.kind === 'items') visitObject(value.object);
      else if (value.kind === 'connection') visitConnection(value.connection);
    }
  };
  const visitConnection = (connection: ConnectionPlan) => {
    seen.add(connection.entity);
    for (const { part } of connection.parts) {
      if (part.kind === 'nodes') visitObject(part.object);
      if (part.kind === 'edges') for (const f of part.fields) if (f.object) visitObject(f.object);
    }
  };
  let onlyCounts = true;
  for (const root of plan.roots) {
    if (root.kind === 'productCount') seen.add('product');
    else if (root.kind === 'single') visitObject(root.object);
    else if (root.kind === 'connection') visitConnection(root.connection);
    if (root.kind !== 'productCount' && root.kind !== 'literal') onlyCounts = false;
  }
  return { entities: [...seen], onlyCounts };
}

/** A mutation the node:http front can run itself and answer from the written rows. */
export interface MutationPlan {
  readonly operationName: string | null;
  /** Response key of the one root field. */
  readonly key: string;
  readonly field: 'placeOrder' | 'cancelOrder';
  /** Coerced arguments, exactly as the resolver would receive them. */
  readonly args: Record<string, any>;
  /** The selection on the returned Order. */
  readonly object: ObjectPlan;
  readonly location: { line: number; column: number } | null;
}

/**
 * A mutation of exactly one root field, placeOrder or cancelOrder, whose
 * selection the written rows can answer (order columns, items with their
 * products), or null. Nothing has run when this answers null.
 */
export function buildMutationPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): MutationPlan | null {
  const mutationType = schema.getMutationType();
  const prepared = mutationType ? prepareOperation(schema, document, operationName, rawVariables, 'mutation') : null;
  if (!mutationType || !prepared) return null;
  const { operation, ctx } = prepared;
  return compilableOrNull(() => {
    const shape = mutationShape(ctx, mutationType, operation);
    return shape && { ...shape.plan, args: getArgumentValues(shape.def, shape.node, ctx.vars) };
  });
}

/** Everything of a MutationPlan but its arguments, with what reading them takes. */
function mutationShape(
  ctx: Ctx,
  mutationType: GraphQLObjectType,
  operation: OperationDefinitionNode,
): { plan: Omit<MutationPlan, 'args'>; def: GraphQLField<unknown, unknown>; node: FieldNode } | null {
  const roots = [...collectFields(ctx.schema, ctx.fragments, ctx.vars, mutationType, operation.selectionSet)];
  if (roots.length !== 1) return null;
  const [key, nodes] = roots[0]!;
  const node = nodes[0]!;
  const field = node.name.value;
  if (field !== 'placeOrder' && field !== 'cancelOrder') return null;
  const def = mutationType.getFields()[field] ?? bail();
  const object = planObject(ctx, 'Order', nodes);
  if (!servableFromWrite(object)) return null;
  const location = node.loc ? getLocation(node.loc.source, node.loc.start) : null;
  return { plan: { operationName: operation.name?.value ?? null, key, field, object, location }, def, node };
}

/**
 * For a mutation whose variables feed nothing but its root field's arguments
 * (so its plan is the same whatever their values): the plan made once, as a
 * function of the request's variables that only coerces them (as graphql-js
 * does) and reads the arguments; it answers null for variables the resolvers
 * would refuse. Null when the document does not qualify: buildMutationPlan
 * then plans each request whole.
 */
export function mutationTemplate(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): ((rawVariables: Record<string, unknown> | null | undefined) => MutationPlan | null) | null {
  const mutationType = schema.getMutationType();
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!mutationType || !operation || operation.operation !== 'mutation') return null;
  const fragments: Fragments = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const shape = compilableOrNull(() => mutationShape({ schema, fragments, vars: {} }, mutationType, operation));
  if (!shape || usesVariablesOutside(document, shape.node)) return null;
  const definitions = operation.variableDefinitions ?? [];
  return (rawVariables) => {
    const coerced = getVariableValues(schema, definitions, rawVariables ?? {}, { maxErrors: 1 });
    if (coerced.errors) return null;
    return compilableOrNull(() => ({ ...shape.plan, args: getArgumentValues(shape.def, shape.node, coerced.coerced) }));
  };
}

/** True when a variable appears anywhere in the document but the arguments of `field` (and the definitions). */
function usesVariablesOutside(document: DocumentNode, field: FieldNode): boolean {
  let found = false;
  const visit = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as { kind?: string };
    if (n.kind === Kind.VARIABLE_DEFINITION) return;
    if (n.kind === Kind.VARIABLE) {
      found = true;
      return;
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === 'loc' || (node === field && key === 'arguments')) continue;
      visit(value);
    }
  };
  visit(document.definitions);
  return found;
}

/** True when every field can be read off an OrderWrite: no user, no aggregates, no lists to page. */
function servableFromWrite(object: ObjectPlan): boolean {
  return object.fields.every(({ value }) => {
    if (value.kind === 'field' || value.kind === 'literal') return true;
    if (value.kind === 'items') return servableFromWrite(value.object);
    if (value.kind === 'parent' && value.via === 'product_id') return servableFromWrite(value.object);
    return false;
  });
}
