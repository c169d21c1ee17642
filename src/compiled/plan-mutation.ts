// Planning mutations the node:http front can run itself: placeOrder or
// cancelOrder as the only root field, with a selection the written rows can
// answer. Nothing has run when these answer null; the request then goes
// through the resolvers.
import { getLocation, getOperationAST, type DocumentNode, type FieldNode, type GraphQLField, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { collectFields } from 'graphql/execution/collectFields.js';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import { fragmentsOf, variableUses } from '../query-shape.ts';
import type { MutationPlan, ObjectPlan } from './plan.ts';
import { ADMIN_WITHOUT_USER } from '../viewer.ts';
import { bail, compilableOrNull, planObject, prepareOperation, type Ctx } from './plan-query.ts';

/**
 * A write's selection is answered from the rows it wrote, which its use-case
 * has already held to the viewer's rules (access.ts, the row rules), and it
 * reads no list a row rule would narrow (servableFromWrite): the plan is the
 * same for every viewer, so it is planned for none in particular.
 */
const WRITE_VIEWER = ADMIN_WITHOUT_USER;

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
  const prepared = mutationType ? prepareOperation(schema, document, operationName, rawVariables, 'mutation', WRITE_VIEWER) : null;
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
  const shape = compilableOrNull(() => mutationShape({ schema, fragments: fragmentsOf(document), vars: {}, viewer: WRITE_VIEWER }, mutationType, operation));
  // A variable anywhere but in the root field's arguments could change the plan itself.
  if (!shape || variableUses(document).some((use) => use.field !== shape.node)) return null;
  const definitions = operation.variableDefinitions ?? [];
  return (rawVariables) => {
    const coerced = getVariableValues(schema, definitions, rawVariables ?? {}, { maxErrors: 1 });
    if (coerced.errors) return null;
    return compilableOrNull(() => ({ ...shape.plan, args: getArgumentValues(shape.def, shape.node, coerced.coerced) }));
  };
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
