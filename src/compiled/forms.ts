// Which form each root field of a plan is read in, and the compiled query of
// the whole plan: the roots the database writes as JSON in one statement
// (sql.ts), and the roots read as plain rows with the JSON written in Node
// (rows-sql.ts, rows-run.ts), all sent side by side.
//
// COMPILED_FORM picks: `json` every root in the one statement (the form
// before issue 13's last step), `rows` every root as plain rows, `auto` (the
// default) by what bench/RESULTS.md measured: plain rows for lists (a root
// page, a user's orders, an order's items), where the database-built JSON
// cost MariaDB temporary tables and most of the statement's CPU; the one
// statement for flat point lookups, where it costs no more than plain rows
// and no second round trip is ever needed.
import type { CompiledForm } from '../config.ts';
import type { OperationPlan, ObjectPlan, RootPlan } from './plan.ts';
import { rootRead } from './rows-sql.ts';
import type { RootRead } from './rows-shape.ts';
import { compileJsonQuery, type CompiledJsonQuery } from './sql.ts';

export type { CompiledForm };

export interface CompiledQueryPlan {
  /** The database-built JSON statement and the roots it answers (column r<j> is root roots[j]), or null. */
  readonly json: { readonly query: CompiledJsonQuery; readonly roots: readonly number[] } | null;
  /** The plain-row reads, by root index; null for a root the JSON statement answers. */
  readonly rows: readonly (RootRead | null)[];
}

/** Whether an object reads a list of rows (its order items, a user's orders), here or below. */
function readsList(object: ObjectPlan): boolean {
  return object.fields.some(({ value }) => value.kind === 'items' || value.kind === 'connection' || (value.kind === 'parent' && readsList(value.object)));
}

function asRows(root: RootPlan, form: CompiledForm): boolean {
  if (form !== 'auto') return form === 'rows';
  return root.kind !== 'single' || readsList(root.object);
}

export function compileQuery(plan: OperationPlan, form: CompiledForm): CompiledQueryPlan {
  const jsonRoots = plan.roots.flatMap((root, i) => (asRows(root, form) ? [] : [i]));
  const json = jsonRoots.length ? { query: compileJsonQuery({ ...plan, roots: jsonRoots.map((i) => plan.roots[i]!) }), roots: jsonRoots } : null;
  return { json, rows: plan.roots.map((root, i) => (jsonRoots.includes(i) ? null : rootRead(root))) };
}
