// One statement of the plain-rows form (rows-sql.ts) as it is built: its
// select list, joins and select-list parameters, added to as an object's
// fields are shaped. Every statement of one root field's read draws its
// column, key and table names from one counter (Names), so a statement joined
// into another (a user's first orders and their items into the user's row)
// keeps its names apart, and each level's rows can be read off the joined rows
// as they are.
import type { ChildRead } from './rows-shape.ts';

/** The names drawn so far in one root field's statements. */
class Names {
  columns = 0;
  aliases = 0;
  keys = 0;
}

export class Statement {
  readonly columns: string[] = [];
  readonly joins: string[] = [];
  /** The select list's parameters (joins carry none), in text order. */
  readonly params: unknown[] = [];
  readonly children: ChildRead[] = [];
  readonly #ids = new Map<string, string>();
  constructor(private readonly names = new Names()) {}
  /** A statement of the same read (a child level): names apart from this one's. */
  sub(): Statement {
    return new Statement(this.names);
  }
  alias(): string {
    return `t${++this.names.aliases}`;
  }
  column(expr: string): string {
    const name = `c${++this.names.columns}`;
    this.columns.push(`${expr} AS ${name}`);
    return name;
  }
  /** A name for the column that carries a child read's key. */
  key(): string {
    return `k${++this.names.keys}_`;
  }
  /** The column holding the id of the row at alias `a`. */
  id(a: string): string {
    let name = this.#ids.get(a);
    if (!name) this.#ids.set(a, (name = this.column(`${a}.id`)));
    return name;
  }
  select(): string {
    return this.columns.join(', ');
  }
}
