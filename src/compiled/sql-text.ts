// What the compiled path's SQL writers share (sql.ts writes objects and roots,
// connection-sql.ts connections): table names, cursor kinds, literals, cursors,
// and the Builder collecting a statement's aliases and bound parameters.

export const TABLE = { user: 'users', order: 'orders', product: 'products', item: 'order_items' } as const;
export const CURSOR_KIND = { user: 'User', order: 'Order', product: 'Product' } as const;

/** A SQL string literal of text chosen by this module (names, JSON punctuation). */
export function lit(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export class Builder {
  readonly params: unknown[] = [];
  /** Aliases of rows whose id is a bound value (a single root's row), alias -> id. */
  readonly knownIds = new Map<string, string>();
  #alias = 0;
  alias(): string {
    return `t${++this.#alias}`;
  }
  param(value: unknown): string {
    this.params.push(value);
    return '?';
  }
}

export function cursorSql(kind: string, idRef: string): string {
  return `REPLACE(REPLACE(REPLACE(TO_BASE64(CONCAT(${lit(`${kind}:`)}, ${idRef})), '=', ''), '+', '-'), '/', '_')`;
}
