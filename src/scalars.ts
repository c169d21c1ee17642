// The GraphQL scalars DateTime and Decimal: the SDL's descriptions, and the
// value rules of values.ts at the GraphQL edge, where their BAD_USER_INPUT
// errors become GraphQLErrors (graphql-js would otherwise prefix a foreign
// error's message with its own words).
import { Kind, type GraphQLScalarType, type ValueNode } from 'graphql';
import { isAppError } from './errors.ts';
import { asGraphQLError } from './plugins/masking.ts';
import { dbDateTimeToIso, formatDecimal, parseDateTimeInput, parseDecimalInput } from './values.ts';

/** `parse` with its AppErrors as GraphQLErrors. */
function atTheEdge<T>(parse: (value: T) => string): (value: T) => string {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw isAppError(error) ? asGraphQLError(error) : error;
    }
  };
}

// Scalars are plain configs, not GraphQLScalarType instances, so the served
// schema keeps the descriptions written in the SDL (graphql-tools copies every
// property of a scalar resolver over the SDL's, description included).
export const DateTimeScalar = {
  serialize(value: unknown): string {
    if (typeof value === 'string') return dbDateTimeToIso(value);
    if (value instanceof Date) return value.toISOString();
    throw new TypeError(`DateTime cannot represent ${typeof value}`);
  },
  parseValue: atTheEdge(parseDateTimeInput),
  parseLiteral: atTheEdge((ast: ValueNode) => parseDateTimeInput(ast.kind === Kind.STRING ? ast.value : undefined)),
} as unknown as GraphQLScalarType<string, string>;

export const DecimalScalar = {
  serialize(value: unknown): string {
    if (typeof value === 'string') return formatDecimal(value);
    throw new TypeError(`Decimal cannot represent ${typeof value}; money must stay a string`);
  },
  parseValue: atTheEdge((value: unknown) => parseDecimalInput(value)),
  parseLiteral: atTheEdge((ast: ValueNode) =>
    parseDecimalInput(ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? ast.value : undefined),
  ),
} as unknown as GraphQLScalarType<string, string>;
