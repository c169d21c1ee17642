// What a compiled plan (src/compiled/forms.ts) sends and writes, with its
// values bound into the parameters as the executor binds them: each
// statement's text and parameters, child reads called with one key and with
// several, and the shapes (functions out, a cursor as whether there is one).
// Two compiles that should send the same thing compare equal as text.
import { bindParams } from '../../src/compiled/compile-cache.ts';
import type { CompiledQueryPlan } from '../../src/compiled/forms.ts';

export function sent(compiled: CompiledQueryPlan): string {
  const values = compiled.values;
  const visit = (node: unknown, seen: Set<unknown>): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (seen.has(node)) return '(seen)';
    seen.add(node);
    if (Array.isArray(node)) return node.map((n) => visit(n, seen));
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'params') copy[k] = bindParams(v as unknown[], values);
      else if (k === 'afterId' || k === 'knownKey') copy[k] = v === null ? null : bindParams([v], values)[0];
      else if (typeof v === 'function') copy[k] = [['3'], ['3', '4', '5']].map((keys) => visit((v as (k: string[]) => unknown)(keys), new Set()));
      else if (k !== 'values') copy[k] = visit(v, seen);
    }
    return copy;
  };
  return JSON.stringify([visit(compiled.json, new Set()), visit(compiled.rows, new Set())]);
}
