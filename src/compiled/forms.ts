// Which form each root field of a plan is read in, and the compiled query of
// the whole plan: the roots the database writes as JSON in one statement
// (sql.ts), and the roots read as plain rows with the JSON written in Node
// (rows-sql.ts, rows-run.ts), all sent side by side.
//
// COMPILED_FORM picks: `json` every root in the one statement (the form
// before issue 13's last step), `rows` every root as plain rows, `auto` (the
// default) by what bench/RESULTS.md measured per shape, gateway/baseline req/s
// database-built JSON -> plain rows: plain rows for a root page and for a
// user's orders or an order's items under a row or a page (SearchBox
// 0.72x -> 0.91x, DeepPage 0.49x -> 0.67x, ClientDocument 0.45x -> 0.75x,
// OrderList 2.20x -> 2.15x), where the database-built JSON cost MariaDB
// temporary tables and most of the statement's CPU; the one statement for a
// list of lists under a root page (a page of users with their orders: the
// Dashboard 0.88x -> 0.62x, its Node side writing ~1,000 objects costs more
// than the database writing them) and for flat point lookups, where it costs
// no more than plain rows and no second round trip is ever needed.
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
  /** The request's values, bound into every statement's parameters when the statements were compiled for stand-ins of them (compile-cache.ts). */
  readonly values?: readonly unknown[];
}

/** Whether an object reads a list of rows (`kind`: its order items or a user's orders; a user's orders only), here or below. */
function readsList(object: ObjectPlan, kind: 'any' | 'connection'): boolean {
  return object.fields.some(
    ({ value }) =>
      value.kind === 'connection' ||
      (value.kind === 'items' && (kind === 'any' || readsList(value.object, kind))) ||
      (value.kind === 'parent' && readsList(value.object, kind)),
  );
}

/** The objects of a connection's rows. */
function rowObjects(root: Extract<RootPlan, { kind: 'connection' }>): ObjectPlan[] {
  return root.connection.parts.flatMap(({ part }) =>
    part.kind === 'nodes' ? [part.object] : part.kind === 'edges' ? part.fields.flatMap((f) => (f.object ? [f.object] : [])) : [],
  );
}

function asRows(root: RootPlan, form: CompiledForm): boolean {
  if (form !== 'auto') return form === 'rows';
  if (root.kind === 'single') return readsList(root.object, 'any');
  if (root.kind === 'connection') return !rowObjects(root).some((object) => readsList(object, 'connection'));
  // A count or a literal: read beside the others (compileQuery).
  return true;
}

export function compileQuery(plan: OperationPlan, form: CompiledForm): CompiledQueryPlan {
  const rows = plan.roots.map((root) => asRows(root, form));
  // A count or a literal costs the JSON statement nothing: it goes there when there is one.
  const someJson = rows.includes(false);
  const jsonRoots = plan.roots.flatMap((root, i) => (!rows[i] || (someJson && (root.kind === 'productCount' || root.kind === 'literal')) ? [i] : []));
  const json = jsonRoots.length ? { query: compileJsonQuery({ ...plan, roots: jsonRoots.map((i) => plan.roots[i]!) }), roots: jsonRoots } : null;
  return { json, rows: plan.roots.map((root, i) => (jsonRoots.includes(i) ? null : rootRead(root))) };
}
