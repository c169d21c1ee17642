// How a domain's GraphQL fields are stored, as data (see the *.fields.ts of
// each domain). Every path reads the same definition: the compiled path
// writes the field's JSON in SQL, the node:http front writes it from rows
// just written, and the resolvers read it off the row (fieldResolvers).
import { holdsFor, type Condition } from './db/conditions.ts';
import type { ValueFormat } from './formats.ts';

export type FieldDef =
  /** A column of the row, as it is stored. */
  | { readonly kind: 'column'; readonly column: string; readonly format: ValueFormat }
  /** A Boolean that says whether the row meets a condition (the same one a filter may use). */
  | { readonly kind: 'flag'; readonly condition: Condition }
  /** A value computed from the row's columns: by the database (`sql`) or from a row in hand (`value`). */
  | {
      readonly kind: 'computed';
      readonly format: ValueFormat;
      readonly sql: (alias: string) => string;
      readonly value: (row: Record<string, unknown>) => string | number;
    };

export function column(name: string, format: ValueFormat): FieldDef {
  return { kind: 'column', column: name, format };
}

export function flag(condition: Condition): FieldDef {
  return { kind: 'flag', condition };
}

export function computed(format: ValueFormat, sql: (alias: string) => string, value: (row: Record<string, unknown>) => string | number): FieldDef {
  return { kind: 'computed', format, sql, value };
}

/** How the field's value is written as JSON. */
export function formatOf(field: FieldDef): ValueFormat {
  return field.kind === 'flag' ? 'boolean' : field.format;
}

/** The value of `field` for a row in hand, as a resolver returns it. */
export function fieldValue(field: FieldDef, row: Record<string, unknown>): unknown {
  switch (field.kind) {
    case 'column':
      return row[field.column];
    case 'flag':
      return holdsFor(field.condition, row);
    case 'computed':
      return field.value(row);
  }
}

/**
 * Resolvers for the fields whose value is not simply row[fieldName] (a column
 * named otherwise, a flag, a computed value): spread into a type's resolvers.
 */
export function fieldResolvers<Row>(fields: Record<string, FieldDef>): Record<string, (row: Row) => unknown> {
  const resolvers: Record<string, (row: Row) => unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field.kind === 'column' && field.column === name) continue;
    resolvers[name] = (row) => fieldValue(field, row as Record<string, unknown>);
  }
  return resolvers;
}
