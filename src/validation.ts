// Checks on mutation input shared by the domains. Each failure is a
// BAD_USER_INPUT naming the field, with a message that says what would pass.
// Lengths count characters the way a utf8mb4 VARCHAR(n) does (code points),
// so a string that fits here is never truncated by the database.
import { BadUserInputError } from './errors.ts';

/** A lone UTF-16 surrogate cannot be stored as utf8mb4 without being altered. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Trims `value` and checks it holds `min`..`max` characters. */
export function checkText(value: string, field: string, min: number, max: number): string {
  const text = value.trim();
  const length = [...text].length;
  if (length < min || length > max) {
    const bound = min > 0 ? `${min} to ${max}` : `at most ${max}`;
    throw new BadUserInputError(`${field} must be ${bound} characters long, but got ${length}`, field);
  }
  if (LONE_SURROGATE.test(text)) {
    throw new BadUserInputError(`${field} contains an invalid character (a lone UTF-16 surrogate)`, field);
  }
  return text;
}

/** An integer in min..max (GraphQL Int already guarantees a 32-bit integer). */
export function checkInt(value: number, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const bound = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new BadUserInputError(`${field} must be a whole number ${bound}, but got ${value}`, field);
  }
  return value;
}
