// The GraphQL scalars DateTime and Decimal: the SDL's descriptions, and the
// value rules of values.ts at the GraphQL edge.
import { Kind, type GraphQLScalarType, type ValueNode } from 'graphql';
import { dbDateTimeToIso, formatDecimal, parseDateTimeInput, parseDecimalInput } from './values.ts';

// Scalars are plain configs, not GraphQLScalarType instances, so the served
// schema keeps the descriptions written in the SDL (graphql-tools copies every
// property of a scalar resolver over the SDL's, description included).
export const DateTimeScalar = {
  serialize(value: unknown): string {
    if (typeof value === 'string') return dbDateTimeToIso(value);
    if (value instanceof Date) return value.toISOString();
    throw new TypeError(`DateTime cannot represent ${typeof value}`);
  },
  parseValue: parseDateTimeInput,
  parseLiteral(ast: ValueNode): string {
    return parseDateTimeInput(ast.kind === Kind.STRING ? ast.value : undefined);
  },
} as unknown as GraphQLScalarType<string, string>;

export const DecimalScalar = {
  serialize(value: unknown): string {
    if (typeof value === 'string') return formatDecimal(value);
    throw new TypeError(`Decimal cannot represent ${typeof value}; money must stay a string`);
  },
  parseValue: (value: unknown) => parseDecimalInput(value),
  parseLiteral(ast: ValueNode): string {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) {
      return parseDecimalInput(ast.value);
    }
    return parseDecimalInput(undefined);
  },
} as unknown as GraphQLScalarType<string, string>;
