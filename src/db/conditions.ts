// Row conditions as data: a filter, a row rule or a derived boolean field is
// written once as a Condition in its domain's definition
// (src/<domain>/<domain>.fields.ts) and rendered by this one function for
// every path, whether a repository's Kysely query (toKysely in
// query-builder.ts) or the compiled path's statement, for any table alias.
// Column names come from the definitions, never from a client; every value
// is a bound parameter.

export type Comparison = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  /** `column op value`. */
  | { readonly kind: 'compare'; readonly column: string; readonly op: Comparison; readonly value: string | number }
  /** Case-insensitive substring of any of the columns (their *_ci collation), `%` and `_` matching themselves. */
  | { readonly kind: 'contains'; readonly columns: readonly string[]; readonly text: string };

export function compare(column: string, op: Comparison, value: string | number): Condition {
  return { kind: 'compare', column, op, value };
}

export function contains(columns: readonly string[], text: string): Condition {
  return { kind: 'contains', columns, text };
}

/**
 * The conditions as one SQL boolean over table alias `alias` ('TRUE' for
 * none), each value pushed onto `params` in the order of its `?`.
 */
export function renderConditions(conditions: readonly Condition[], alias: string, params: unknown[]): string {
  if (conditions.length === 0) return 'TRUE';
  return conditions.map((condition) => renderCondition(condition, alias, params)).join(' AND ');
}

function renderCondition(condition: Condition, alias: string, params: unknown[]): string {
  switch (condition.kind) {
    case 'compare':
      params.push(condition.value);
      return `${alias}.${condition.column} ${condition.op} ?`;
    case 'contains': {
      const pattern = containsPattern(condition.text);
      const each = condition.columns.map((column) => {
        params.push(pattern);
        // `!` as the escape character means the same whatever sql_mode says about backslashes.
        return `${alias}.${column} LIKE ? ESCAPE '!'`;
      });
      return each.length === 1 ? each[0]! : `(${each.join(' OR ')})`;
    }
  }
}

/** A LIKE pattern for "contains `text`" in which %, _ and ! match themselves. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, '!$&')}%`;
}

/**
 * The condition's truth for a row already in hand (a row just written, whose
 * derived fields the database has not computed). Only comparisons of numbers
 * can be evaluated here; a derived field of another kind must be computed by
 * the database.
 */
export function holdsFor(condition: Condition, row: Record<string, unknown>): boolean {
  if (condition.kind !== 'compare' || typeof condition.value !== 'number') {
    throw new Error(`only numeric comparisons can be evaluated outside the database, not ${JSON.stringify(condition)}`);
  }
  const value = Number(row[condition.column]);
  switch (condition.op) {
    case '=':
      return value === condition.value;
    case '<>':
      return value !== condition.value;
    case '<':
      return value < condition.value;
    case '<=':
      return value <= condition.value;
    case '>':
      return value > condition.value;
    case '>=':
      return value >= condition.value;
  }
}
