// From a row as read to the values the mutations' validators take. CSV gives
// every value as a string and NDJSON gives JSON types, so each field is
// coerced here the way GraphQL coerces a variable (a String must be text, an
// Int a whole number, an empty CSV cell is an absent value); the domain rules
// themselves stay in the validators. An AppError thrown by either becomes the
// row's RowError, with the mutation's message and the column named plainly.
import { BadUserInputError, isAppError } from '../errors.ts';
import type { RowError } from './types.ts';

type Values = Record<string, unknown>;

/** A value the row leaves out: missing, null, or an empty CSV cell. */
function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export function has(values: Values, key: string): boolean {
  return !absent(values[key]);
}

/** A required text field. An empty one is given to the validator, whose length rule names it. */
export function text(values: Values, key: string): string {
  const value = values[key];
  if (value === undefined || value === null) throw new BadUserInputError(`${key} is required`, key);
  if (typeof value !== 'string') throw new BadUserInputError(`${key} must be text, but got ${JSON.stringify(value)}`, key);
  return value;
}

export function optionalText(values: Values, key: string): string | undefined {
  return absent(values[key]) ? undefined : text(values, key);
}

/** A whole number: a JSON integer, or a CSV cell of digits. */
export function int(value: unknown, key: string): number {
  if (value === undefined || value === null || value === '') throw new BadUserInputError(`${key} is required`, key);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw new BadUserInputError(`${key} must be a whole number, but got ${JSON.stringify(value)}`, key);
}

/** An id: a JSON integer or text (the validator's parseId checks its form). */
export function idText(value: unknown, key: string): string {
  if (value === undefined || value === null || value === '') throw new BadUserInputError(`${key} is required`, key);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string') return value.trim();
  throw new BadUserInputError(`${key} must be a decimal id such as "42", but got ${JSON.stringify(value)}`, key);
}

/** Money: text or a JSON number, handed to parseDecimalInput as GraphQL's Decimal scalar gets it. */
export function moneyInput(values: Values, key: string): unknown {
  const value = values[key];
  if (value === undefined || value === null) throw new BadUserInputError(`${key} is required`, key);
  return value;
}

/** A JSON value: itself in NDJSON, JSON text in a CSV cell. */
export function json(values: Values, key: string): unknown {
  const value = values[key];
  if (value === undefined || value === null || value === '') throw new BadUserInputError(`${key} is required`, key);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BadUserInputError(`${key} must be JSON, such as [{"productId":"1","quantity":2}], but ${reason}`, key);
  }
}

/** The error of one row: the mutation's code and message, the field without the mutation's `input.` prefix. */
export function toRowError(error: unknown, line: number): RowError {
  if (!isAppError(error)) throw error;
  const field = error.extensions.field;
  return {
    line,
    field: typeof field === 'string' ? plainField(field) : null,
    code: error.code,
    message: error.message.replace(/^input\./, ''),
  };
}

/** "input.items[0].quantity" -> "items[0].quantity": the column as the file names it. */
export function plainField(field: string): string {
  return field.replace(/^input\./, '');
}
