// Values as they travel through the gateway, with no GraphQL: ids, money and
// timestamps stay strings end to end. mysql2 hands DATETIME(3) as
// "YYYY-MM-DD HH:MM:SS.mmm" (UTC, see db/session-settings.ts) and DECIMAL as
// "12.50", so nothing ever passes through a float. The GraphQL scalars
// (scalars.ts), the compiled path and the use-cases all read and check values here.
import { BadUserInputError } from './errors.ts';

const DB_DATETIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;

/** "2026-11-24 10:00:00.000" (UTC from the database) -> "2026-11-24T10:00:00.000Z". */
export function dbDateTimeToIso(value: string): string {
  // The usual text, "YYYY-MM-DD HH:MM:SS.mmm", without a regular expression (it runs per value written).
  if (value.length === 23 && value.charCodeAt(10) === 32 && value.charCodeAt(19) === 46 && value.charCodeAt(4) === 45) return `${value.slice(0, 10)}T${value.slice(11)}Z`;
  const match = DB_DATETIME.exec(value);
  if (!match) return new Date(value).toISOString();
  const millis = (match[3] ?? '').padEnd(3, '0').slice(0, 3);
  return `${match[1]}T${match[2]}.${millis}Z`;
}

/** Any Date -> the database's UTC text form, for binding in WHERE clauses. */
export function dateToDb(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

// An ISO-8601 date-time with an explicit zone: Z or +hh:mm.
const ISO_INPUT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseDateTimeInput(value: unknown): string {
  if (typeof value !== 'string' || !ISO_INPUT.test(value)) {
    throw new BadUserInputError(
      `DateTime must be an ISO-8601 date-time with a time zone, e.g. "2026-11-24T10:00:00.000Z", but got ${JSON.stringify(value)}`,
    );
  }
  const date = new Date(value);
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(y, m - 1, d));
  // Date rolls 2026-02-31 over to March; refuse days the month does not have.
  if (Number.isNaN(date.getTime()) || calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) {
    throw new BadUserInputError(`DateTime ${JSON.stringify(value)} is not a real date`);
  }
  return dateToDb(date);
}

/** DECIMAL(12,2): at most 10 digits before the point, 2 after. */
const DECIMAL_INPUT = /^(-?)(\d{1,10})(?:\.(\d{1,2}))?$/;

/** Validates a money input and returns it as "123.40". */
export function parseDecimalInput(value: unknown, argument = 'Decimal'): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const match = typeof text === 'string' ? DECIMAL_INPUT.exec(text.trim()) : null;
  if (!match) {
    throw new BadUserInputError(
      `${argument} must be an amount with at most 10 digits and 2 decimals, e.g. "12.50", but got ${JSON.stringify(value)}`,
      argument === 'Decimal' ? undefined : argument,
    );
  }
  const units = match[2]!.replace(/^0+(?=\d)/, '');
  const cents = (match[3] ?? '').padEnd(2, '0');
  const negative = match[1] === '-' && (units !== '0' || cents !== '00');
  return `${negative ? '-' : ''}${units}.${cents}`;
}

/** Normalises a database DECIMAL (which may carry more scale after SUM) to two decimals. */
export function formatDecimal(value: string | null | undefined): string {
  if (value === null || value === undefined) return '0.00';
  // DECIMAL(12,2) text has its two decimals already: returned as it is (it runs per value written).
  if (value.length > 3 && value.indexOf('.') === value.length - 3) return value;
  const [units = '0', fraction = ''] = value.split('.');
  return `${units}.${fraction.padEnd(2, '0').slice(0, 2)}`;
}

/** The largest BIGINT UNSIGNED id. */
export const MAX_ID = 18446744073709551615n;

/** Validates an ID argument ("42") and returns its canonical decimal form. */
export function parseId(value: string, argument = 'id'): string {
  // The usual id (up to 15 digits, no leading zero) is its own canonical form: no regular
  // expression or BigInt for it (this runs for every id a request sends).
  if (typeof value === 'string' && value.length > 0 && value.length <= 15 && (value.length === 1 || value.charCodeAt(0) !== 48)) {
    let digits = true;
    for (let i = 0; i < value.length && digits; i++) digits = value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57;
    if (digits) return value;
  }
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value) || BigInt(value) > MAX_ID) {
    throw new BadUserInputError(`${argument} must be a decimal id such as "42", but got ${JSON.stringify(value)}`, argument);
  }
  return BigInt(value).toString();
}
