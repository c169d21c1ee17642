// Compiled queries kept by the shape of their plan (issue 13: the gateway's
// CPU per request). Two plans that differ only in the values that become
// bound parameters (ids, cursors, search text, compared values, the viewer's
// user id in a row rule) compile to the same statements and shapes with those
// parameters changed. So a plan is compiled once per shape, with stand-ins
// for its values, and a request only binds its own values into the
// parameters (bindParams) as its statements are sent.
//
// Nothing here knows which values a compiler looks at: a shape is kept only
// once the stand-in compile, bound to the request's values, has been checked
// equal, statement by statement, to the compile of the request's own plan. A
// compiler that picks its text by a value (a status with a counter of its
// own) fails the check, and its plans are then keyed by their compared
// values as well; one that fails that too is compiled per request.
import { containsPattern, type Condition } from '../db/conditions.ts';
import type { FieldDef } from '../fields.ts';
import { compileQuery, type CompiledForm, type CompiledQueryPlan } from './forms.ts';
import { keepWriters } from './rows-write.ts';
import type { ConnectionPlan, ObjectPlan, OperationPlan, PlanField, PlanValue, RootPlan } from './plan.ts';

/**
 * Marks a stand-in (a Unicode noncharacter): no parameter a compiler writes itself starts with
 * it, and a request whose values hold it is compiled on its own.
 */
const MARK = '\uFDD0';
const MARK_CODE = 0xfdd0;
const standIn = (i: number) => `${MARK}${i}${MARK}`;

/** A plan's shape, its values in walk order, and (when asked) the same plan with stand-ins for them. */
interface Walk {
  key: string;
  values: unknown[];
  /** Compared values are part of the shape (the second, strict key). */
  readonly strict: boolean;
  /** Build the plan with stand-ins (only on a miss). */
  readonly rebuild: boolean;
  /** A value holds the mark: this request is compiled on its own. */
  marked: boolean;
}

/** Each field definition's number in shape keys (definitions are the domains' constants). */
const fieldIds = new Map<FieldDef, string>();
function fieldId(field: FieldDef): string {
  let id = fieldIds.get(field);
  if (id === undefined) fieldIds.set(field, (id = `f${fieldIds.size + 1}`));
  return id;
}

// One walk for both uses: with `rebuild` off (every request) it only appends to the key and the
// values, allocating nothing else; with it on (a new shape) it also returns the plan with stand-ins.

function slot(w: Walk, value: string | number): string | number {
  if (typeof value === 'string' && value.includes(MARK)) w.marked = true;
  w.values.push(value);
  return w.rebuild ? standIn(w.values.length - 1) : value;
}

function walkConditions(w: Walk, conditions: readonly Condition[]): readonly Condition[] {
  const out: Condition[] | null = w.rebuild ? [] : null;
  for (const c of conditions) {
    if (c.kind === 'contains') {
      w.key += `~${c.columns.join('|')}`;
      const text = slot(w, c.text) as string;
      out?.push({ ...c, text });
    } else if (w.strict) {
      w.key += `~${c.column}${c.op}${JSON.stringify(c.value)}`;
      out?.push(c);
    } else {
      w.key += `~${c.column}${c.op}`;
      const value = slot(w, c.value);
      out?.push({ ...c, value });
    }
  }
  return out ?? conditions;
}

function walkObject(w: Walk, object: ObjectPlan): ObjectPlan {
  w.key += `{${object.entity}`;
  const fields: PlanField[] | null = w.rebuild ? [] : null;
  for (const { key, value } of object.fields) {
    w.key += ` ${key}:`;
    const walked = walkValue(w, value);
    fields?.push({ key, value: walked });
  }
  w.key += '}';
  return fields ? { entity: object.entity, fields } : object;
}

function walkValue(w: Walk, value: PlanValue): PlanValue {
  switch (value.kind) {
    case 'field':
      w.key += fieldId(value.field);
      return value;
    case 'literal':
      w.key += `l${value.json}`;
      return value;
    case 'orderCount':
    case 'totalSpent':
      w.key += value.kind;
      return value;
    case 'parent': {
      w.key += `p${value.via}`;
      const object = walkObject(w, value.object);
      return w.rebuild ? { ...value, object } : value;
    }
    case 'items': {
      w.key += 'i';
      const object = walkObject(w, value.object);
      return w.rebuild ? { ...value, object } : value;
    }
    case 'connection': {
      const connection = walkConnection(w, value.connection);
      return w.rebuild ? { kind: 'connection', connection } : value;
    }
  }
}

function walkConnection(w: Walk, c: ConnectionPlan): ConnectionPlan {
  w.key += `[${c.entity}${c.ofParentUser ? '^' : ''} ${c.first}`;
  const where = walkConditions(w, c.where);
  let afterId = c.afterId;
  if (afterId !== null) {
    w.key += '>';
    afterId = slot(w, afterId) as string;
  }
  const parts: ConnectionPlan['parts'] | null = w.rebuild ? [] : null;
  for (const { key, part } of c.parts) {
    w.key += ` ${key}:${part.kind}`;
    switch (part.kind) {
      case 'nodes': {
        const object = walkObject(w, part.object);
        parts?.push({ key, part: { kind: 'nodes', object } });
        break;
      }
      case 'edges': {
        const fields: typeof part.fields | null = w.rebuild ? [] : null;
        for (const f of part.fields) {
          w.key += `(${f.key}:${f.part}${f.json ?? ''})`;
          const object = f.object ? walkObject(w, f.object) : undefined;
          fields?.push(object ? { ...f, object } : f);
        }
        parts?.push({ key, part: fields ? { kind: 'edges', fields } : part });
        break;
      }
      case 'pageInfo':
        for (const f of part.fields) w.key += `(${f.key}:${f.part}${f.json ?? ''})`;
        parts?.push({ key, part });
        break;
      case 'literal':
        w.key += part.json;
        parts?.push({ key, part });
        break;
      case 'totalCount':
        parts?.push({ key, part });
        break;
    }
  }
  w.key += ']';
  return parts ? { ...c, where, afterId, parts } : c;
}

function walkRoot(w: Walk, root: RootPlan): RootPlan {
  w.key += `|${root.key}:${root.kind}`;
  switch (root.kind) {
    case 'literal':
      w.key += root.json;
      return root;
    case 'productCount': {
      const where = walkConditions(w, root.where);
      return w.rebuild ? { ...root, where } : root;
    }
    case 'connection': {
      const connection = walkConnection(w, root.connection);
      return w.rebuild ? { ...root, connection } : root;
    }
    case 'single': {
      w.key += `${root.entity} ${root.missing}`;
      const id = slot(w, root.id) as string;
      const where = walkConditions(w, root.where);
      const object = walkObject(w, root.object);
      return w.rebuild ? { ...root, id, where, object } : root;
    }
  }
}

function walk(plan: OperationPlan, strict: boolean, rebuild: boolean): { w: Walk; plan: OperationPlan } {
  const w: Walk = { key: strict ? 'strict' : 'loose', values: [], strict, rebuild, marked: false };
  const roots: RootPlan[] = [];
  for (const root of plan.roots) roots.push(walkRoot(w, root));
  return { w, plan: rebuild ? { ...plan, roots } : plan };
}

/** A parameter of a stand-in compile with the request's values in place of the stand-ins: a value itself, or a contains pattern of one. */
export function bindParam(param: unknown, values: readonly unknown[]): unknown {
  if (typeof param !== 'string' || param.length < 3) return param;
  if (param.charCodeAt(0) === MARK_CODE) return values[Number.parseInt(param.slice(1), 10)];
  if (param.charCodeAt(1) === MARK_CODE && param.charCodeAt(0) === 37 /* % */) return containsPattern(String(values[Number.parseInt(param.slice(2), 10)]));
  return param;
}

export function bindParams(params: readonly unknown[], values: readonly unknown[] | undefined): unknown[] {
  if (!values || values.length === 0) return params as unknown[];
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) out[i] = bindParam(params[i], values);
  return out;
}

/** Keys the check calls child reads with: one key (a known parent) and a list. */
const PROBE_KEYS = [['7'], ['7', '8', '9']];

/**
 * Whether `standIns` (a compile of stand-ins), bound to `values`, is `real` (the compile of the
 * plan with those values): every string, number and parameter the same, child statements
 * called with the same keys the same, and no stand-in left anywhere else.
 */
export function sameBound(standIns: unknown, real: unknown, values: readonly unknown[], seen = new Map<object, unknown>()): boolean {
  if (typeof standIns === 'function') {
    if (typeof real !== 'function') return false;
    return PROBE_KEYS.every((keys) => sameBound((standIns as (k: string[]) => unknown)(keys), (real as (k: string[]) => unknown)(keys), values, seen));
  }
  if (typeof standIns === 'string') {
    // A stand-in left in a text (not a parameter) stays marked, and no real value holds the mark.
    return bindParam(standIns, values) === real;
  }
  if (standIns === null || typeof standIns !== 'object') return standIns === real;
  if (real === null || typeof real !== 'object' || Array.isArray(standIns) !== Array.isArray(real)) return false;
  if (seen.has(standIns)) return seen.get(standIns) === real;
  seen.set(standIns, real);
  const a = Object.keys(standIns);
  const b = Object.keys(real);
  if (a.length !== b.length) return false;
  return a.every((k) => sameBound((standIns as Record<string, unknown>)[k], (real as Record<string, unknown>)[k], values, seen));
}

/**
 * The plan compiled with stand-ins for its bound values (loose: compared values too; strict:
 * those kept as they are), and the plan's values in stand-in order; null when that compile,
 * bound to these values, is not the plan's own `real` compile (a compiler that picks its text
 * by a value). Writers are generated for its shapes: it is kept for many requests.
 */
export function compileWithStandIns(plan: OperationPlan, form: CompiledForm, strict: boolean, real = compileQuery(plan, form)): { compiled: CompiledQueryPlan; values: unknown[] } | null {
  const { w, plan: standInPlan } = walk(plan, strict, true);
  if (w.marked) return null;
  const compiled = compileQuery(standInPlan, form);
  if (!sameBound(compiled, real, w.values)) return null;
  for (const read of compiled.rows) if (read) keepWriters(read);
  return { compiled, values: w.values };
}

/** Shapes kept, each with its compile of stand-ins (null: compiled per request). */
const SHAPES_KEPT = 2000;

export type CompileCache = (plan: OperationPlan) => CompiledQueryPlan;

/**
 * compileQuery(plan, form), kept per plan shape: the compiled plan carries the request's values
 * (`values`), which the executor binds into every statement it sends (bindParams).
 */
export function createCompileCache(form: CompiledForm): CompileCache {
  const shapes = new Map<string, CompiledQueryPlan | 'strict' | null>();
  const keep = (key: string, entry: CompiledQueryPlan | 'strict' | null) => {
    if (shapes.size >= SHAPES_KEPT) shapes.delete(shapes.keys().next().value!);
    shapes.set(key, entry);
  };
  const attempt = (plan: OperationPlan, strict: boolean): CompiledQueryPlan | 'strict' => {
    const { w } = walk(plan, strict, false);
    if (w.marked) return compileQuery(plan, form);
    const found = shapes.get(w.key);
    if (found === 'strict') return found;
    if (found === null) return compileQuery(plan, form);
    if (found) return { ...found, values: w.values };
    // A new shape: compile it with stand-ins and check that against this request's own compile.
    const real = compileQuery(plan, form);
    const kept = compileWithStandIns(plan, form, strict, real);
    keep(w.key, kept ? kept.compiled : strict ? null : 'strict');
    return real;
  };
  return (plan) => {
    const loose = attempt(plan, false);
    if (loose !== 'strict') return loose;
    const strict = attempt(plan, true);
    return strict === 'strict' ? compileQuery(plan, form) : strict;
  };
}
