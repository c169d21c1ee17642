// Planning queries: turns a validated query operation into an OperationPlan,
// or answers null when any part of it is something only the resolvers handle
// (introspection, an argument that would be an error, ...). Null is never a
// failure: the request then runs through the ordinary executor, which
// produces exactly the errors the resolvers would. Fields and row conditions
// come from the domains' definitions, so both paths read the same ones.
import {
  getLocation,
  getOperationAST,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.js';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import { checkFirst, decodeCursor } from '../connections.ts';
import type { OrderStatus } from '../db/database.ts';
import { isAppError } from '../errors.ts';
import type { FieldDef } from '../fields.ts';
import { accessError } from '../access.ts';
import { ITEM_FIELDS, ORDER_FIELDS, orderConditions, userOrderConditions, visibleOrders } from '../orders/order.fields.ts';
import { PRODUCT_FIELDS, productConditions } from '../products/product.fields.ts';
import { fragmentsOf } from '../query-shape.ts';
import { USER_FIELDS, userConditions, visibleUsers } from '../users/user.fields.ts';
import { parseId } from '../values.ts';
import type { Viewer } from '../viewer.ts';
import type { ConnectionPart, ConnectionPlan, ObjectPlan, OperationPlan, PlanField, PlanValue, RootPlan } from './plan.ts';

type Vars = Record<string, unknown>;

class NotCompilable extends Error {}
export const bail = (): never => {
  throw new NotCompilable();
};

/** What planning a selection needs: the schema, the document's fragments, the coerced variables and the viewer. */
export interface Ctx {
  schema: GraphQLSchema;
  fragments: ReturnType<typeof fragmentsOf>;
  vars: Vars;
  /** Whose rows the plan reads: its access rules and row rules are the resolvers' (access.ts, the definitions). */
  viewer: Viewer;
}

export function buildPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
  viewer: Viewer,
): OperationPlan | null {
  const prepared = prepareOperation(schema, document, operationName, rawVariables, 'query', viewer);
  if (!prepared) return null;
  const { operation, ctx } = prepared;
  const queryType = schema.getQueryType()!;
  return compilableOrNull(() => {
    const roots: RootPlan[] = [];
    for (const [key, nodes] of collectFields(schema, ctx.fragments, ctx.vars, queryType, operation.selectionSet)) {
      roots.push(planRoot(ctx, queryType, key, nodes));
    }
    return { operationName: operation.name?.value ?? null, roots };
  });
}

/** The operation of that kind and its planning context, or null (wrong kind, or variables the resolvers would refuse). */
export function prepareOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
  kind: 'query' | 'mutation',
  viewer: Viewer,
): { operation: OperationDefinitionNode; ctx: Ctx } | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation || operation.operation !== kind) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return null;
  return { operation, ctx: { schema, fragments: fragmentsOf(document), vars: coerced.coerced, viewer } };
}

/** Runs a planning step; null when it met something only the resolvers handle. */
export function compilableOrNull<T>(plan: () => T | null): T | null {
  try {
    return plan();
  } catch (error) {
    if (error instanceof NotCompilable) return null;
    // An argument the resolvers would refuse (bad id, first out of range, ...).
    if (isAppError(error) || (error instanceof Error && error.name === 'GraphQLError')) return null;
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
  // A viewer who may not run the field: the resolvers answer with the refusal.
  if (accessError(ctx.viewer, name)) bail();
  const { values } = args(ctx, queryType, node);
  const location = node.loc ? getLocation(node.loc.source, node.loc.start) : null;
  switch (name) {
    case 'viewer': {
      const { viewer } = ctx;
      if (viewer.kind === 'anonymous' || viewer.userId === null) return { key, kind: 'literal', json: 'null' };
      // The viewer's own user: null, not NOT_FOUND, when that row is gone.
      const object = planObject(ctx, 'User', nodes);
      return { key, kind: 'single', entity: 'user', id: viewer.userId, where: [], object, location, missing: 'null' };
    }
    case 'user':
    case 'order':
    case 'product': {
      const typeName = name === 'user' ? 'User' : name === 'order' ? 'Order' : 'Product';
      const where = name === 'user' ? visibleUsers(ctx.viewer) : name === 'order' ? visibleOrders(ctx.viewer) : [];
      return { key, kind: 'single', entity: name, id: parseId(values.id), where, object: planObject(ctx, typeName, nodes), location, missing: 'notFound' };
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
  // The same conditions (row rules included) the resolvers and loaders pass to their repositories.
  const { viewer } = ctx;
  const where = ofParentUser
    ? userOrderConditions((values.status as OrderStatus | undefined) ?? null, viewer)
    : entity === 'order'
      ? orderConditions(values.filter, viewer)
      : entity === 'user'
        ? userConditions(values.filter, viewer)
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

export function planObject(ctx: Ctx, typeName: keyof typeof ENTITY_OF, nodes: readonly FieldNode[]): ObjectPlan {
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

