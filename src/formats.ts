// How each kind of stored value is written as JSON, defined once for both
// places that write it: the compiled path, where the database writes the
// response text (`sql`, arguments of a CONCAT), and the node:http front's
// answers from rows just written (`json`). The GraphQL scalars serialize
// through the same functions of values.ts, so all three agree byte for byte
// (test/compiled-queries.test.ts, test/compiled-mutations.test.ts).
import { dbDateTimeToIso, formatDecimal } from './values.ts';

export type ValueFormat = 'id' | 'string' | 'int' | 'money' | 'datetime' | 'boolean';

export interface Format {
  /** CONCAT arguments writing the JSON of the SQL expression `ref`. */
  sql(ref: string): string;
  /** The JSON of a value as mysql2 returns it (or as computed for a row in hand). */
  json(value: unknown): string;
}

export const FORMATS: Record<ValueFormat, Format> = {
  // BIGINT ids and DECIMAL(12,2) money come back from the server as exact digits.
  // Digits (and a sign and a point) need no escaping in JSON: quoted as they are.
  id: { sql: (ref) => `'"', ${ref}, '"'`, json: (value) => `"${String(value)}"` },
  money: { sql: (ref) => `'"', ${ref}, '"'`, json: (value) => `"${formatDecimal(String(value))}"` },
  string: { sql: (ref) => `JSON_QUOTE(${ref})`, json: (value) => JSON.stringify(value) },
  int: { sql: (ref) => ref, json: (value) => String(Number(value)) },
  datetime: {
    sql: (ref) => `'"', LEFT(DATE_FORMAT(${ref}, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z"'`,
    json: (value) => `"${dbDateTimeToIso(String(value))}"`,
  },
  boolean: { sql: (ref) => `IF(${ref}, 'true', 'false')`, json: (value) => (value ? 'true' : 'false') },
};
