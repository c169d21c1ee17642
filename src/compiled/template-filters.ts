// Filter values in document templates (templates.ts): a variable used only as
// a field of a root list's `filter` plans the same way for every request with
// the same kind of value. What a template assumes of the domains' filter
// functions (src/<domain>/<domain>.fields.ts), and its probe checks for the
// values it tries: a filter's booleans and enum values may pick the
// conditions (they are part of the key, as is whether a text is empty), and
// its texts and scalars (Decimal, DateTime) are used as the scalar coerced
// them, never refused afterwards. A filter field the function parses further
// (an ID: parseId) takes no template (templateVariables).
import { isEnumType, isScalarType, type GraphQLSchema } from 'graphql';

/** A variable used only as a field of a root list's filter. */
export interface FilterVariable {
  readonly name: string;
  /** Its named type: String, Boolean, an enum, or a scalar of FILTER_STAND_INS. */
  readonly type: string;
  readonly required: boolean;
}

/** Where a filter's bound value comes from. */
export type FilterSource =
  /** A filter's text (non-empty: the key says so), bound as it is sent. */
  | { readonly kind: 'text'; readonly name: string }
  /** A filter's Decimal or DateTime, bound as its scalar coerces it (which refuses what the ordinary path refuses). */
  | { readonly kind: 'scalar'; readonly name: string; readonly parse: (value: unknown) => unknown };

/** Root fields with a `filter` argument. */
export const FILTERED = new Set(['users', 'orders', 'products', 'productCount']);

/** Stand-ins for scalar filter values, each its scalar's canonical form, distinct for each `i`. */
const FILTER_STAND_INS: Record<string, (i: number) => string> = {
  Decimal: (i) => `97${String(i).padStart(8, '0')}.31`,
  DateTime: (i) => `${2200 + i}-03-17T11:29:41.113Z`,
};

/**
 * A filter value's part of the key: absent or null (which a filter function may tell apart), an
 * empty or other text, a boolean, an enum value (after a colon, so none reads as another part), a
 * scalar's presence; null when the value is not of its type or the type is not one a template takes.
 */
export function filterKey({ type, required }: FilterVariable, value: unknown, schema: GraphQLSchema): string | null {
  if (value === undefined || value === null) return required ? null : value === null ? '|n' : '|-';
  if (type === 'String') return typeof value === 'string' ? (value === '' ? '|e' : '|+') : null;
  if (type === 'Boolean') return typeof value === 'boolean' ? (value ? '|t' : '|f') : null;
  if (FILTER_STAND_INS[type]) return '|+';
  const named = schema.getType(type);
  return isEnumType(named) && typeof value === 'string' && named.getValue(value) ? `|:${value}` : null;
}

/**
 * Sets each filter variable's value to plan a template with (into `vars`): absent stays absent;
 * null, an empty text, booleans and enum values as the request sent them (they are in the key);
 * texts and scalars stand-ins numbered from `standIns.from` (texts `standIns.text(i)`), each
 * recorded in `sources` by the value the plan will hold. False when a scalar is not one.
 */
export function planFilterStandIns(
  schema: GraphQLSchema,
  filters: readonly FilterVariable[],
  requestVars: Record<string, unknown>,
  standIns: { readonly from: number; readonly text: (i: number) => string },
  vars: Record<string, unknown>,
  sources: { set(value: unknown, source: FilterSource): unknown },
): boolean {
  let at = standIns.from;
  for (const { name, type } of filters) {
    const value = requestVars[name];
    const i = at++;
    if (value === undefined) continue;
    if (value === null || value === '' || (type !== 'String' && !FILTER_STAND_INS[type])) vars[name] = value;
    else if (type === 'String') {
      vars[name] = standIns.text(i);
      sources.set(vars[name], { kind: 'text', name });
    } else {
      const scalar = schema.getType(type);
      if (!isScalarType(scalar)) return false;
      const parse = (raw: unknown) => scalar.parseValue(raw);
      vars[name] = FILTER_STAND_INS[type]!(i);
      let coerced: unknown;
      try {
        coerced = parse(vars[name]);
      } catch {
        return false;
      }
      sources.set(coerced, { kind: 'scalar', name, parse });
    }
  }
  return true;
}

/** A filter source's value for this request (throws `invalid` for a text that is not one; the scalar throws its own). */
export function filterValue(source: FilterSource, vars: Record<string, unknown>, invalid: Error): unknown {
  if (source.kind === 'scalar') return source.parse(vars[source.name]);
  const text = vars[source.name];
  if (typeof text !== 'string' || text === '') throw invalid;
  return text;
}
