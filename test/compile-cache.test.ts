// Compiled queries kept per plan shape (src/compiled/compile-cache.ts): for
// every document, set of values and viewer below, in both compiled forms, the
// kept compile with the request's values bound into its parameters is the
// compile of the request's own plan, statement for statement (child reads
// called with one key and with several); plans of one shape share one kept
// compile; a status with a counter of its own is kept per status; a value
// holding the stand-ins' mark is compiled on its own. The answers over HTTP
// with the cache in use are proved against the resolvers in
// test/compiled-rows.test.ts and test/compiled-queries.test.ts.
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CLIENT_DOCUMENT, DASHBOARD, DEEP_PAGE, ORDER_LIST, SEARCH_BOX, USER_BY_ID } from '../bench/operations.ts';
import { createCompileCache } from '../src/compiled/compile-cache.ts';
import { compileQuery, type CompiledForm, type CompiledQueryPlan } from '../src/compiled/forms.ts';
import { buildPlan } from '../src/compiled/plan-query.ts';
import type { OperationPlan } from '../src/compiled/plan.ts';
import { encodeCursor } from '../src/connections.ts';
import { containsPattern } from '../src/db/conditions.ts';
import { typeDefs } from '../src/schema.ts';
import { ADMIN_WITHOUT_USER, ANONYMOUS, type Viewer } from '../src/viewer.ts';
import { sent } from './support/compiled-sent.ts';

const schema = buildSchema(typeDefs);

const CURSOR_7 = encodeCursor('User', '7');
const CURSOR_9000 = encodeCursor('User', '9000');
const USER_ORDERS = 'query UserOrders($id: ID!, $status: OrderStatus, $after: String) { user(id: $id) { id orderCount totalSpent orders(first: 3, status: $status, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { id total } } } }';

/** Documents and the values each is sent with; the same shape with other values follows the first. */
const CASES: { query: string; vars: Record<string, unknown>[] }[] = [
  { query: USER_BY_ID, vars: [{ id: '1' }, { id: '2' }, { id: '99999' }] },
  { query: DEEP_PAGE, vars: [{ first: 20, after: CURSOR_7 }, { first: 20, after: CURSOR_9000 }, { first: 20, after: null }, { first: 5, after: CURSOR_7 }] },
  { query: SEARCH_BOX, vars: [{ search: 'mug' }, { search: 'lamp', inStock: true, minPrice: '3.00' }, { search: 'desk', inStock: true, minPrice: '9.50' }, { search: '50%_off!' }, { search: 'x', inStock: false }] },
  { query: ORDER_LIST, vars: [{ status: 'PAID' }, { status: 'SHIPPED' }, { status: null }, { status: 'PAID' }] },
  { query: CLIENT_DOCUMENT, vars: [{ id: '3', withOrders: true }, { id: '4', withOrders: true }, { id: '4', withOrders: false }] },
  { query: DASHBOARD, vars: [{}, {}] },
  { query: USER_ORDERS, vars: [{ id: '5' }, { id: '6', status: 'PAID' }, { id: '6', status: 'CANCELLED', after: encodeCursor('Order', '40') }, { id: '8', after: encodeCursor('Order', '2') }] },
];

const VIEWERS: Viewer[] = [ANONYMOUS, ADMIN_WITHOUT_USER, { kind: 'admin', userId: '12' }, { kind: 'customer', userId: '5' }, { kind: 'customer', userId: '6' }];

function plan(query: string, vars: Record<string, unknown>, viewer: Viewer): OperationPlan | null {
  return buildPlan(schema, parse(query), null, vars, viewer);
}

describe.each<CompiledForm>(['auto', 'json', 'rows'])('compiled queries kept per shape (COMPILED_FORM=%s)', (form) => {
  it('send what the compile of each request plan sends, for every document, value and viewer', () => {
    const cache = createCompileCache(form);
    let compared = 0;
    // Twice over: the second pass finds every shape kept.
    for (let pass = 0; pass < 2; pass++) {
      for (const viewer of VIEWERS) {
        for (const { query, vars } of CASES) {
          for (const v of vars) {
            const p = plan(query, v, viewer);
            if (!p) continue;
            expect(sent(cache(p)), `${query.slice(0, 40)} ${JSON.stringify(v)} ${JSON.stringify(viewer)} pass ${pass}`).toBe(sent(compileQuery(p, form)));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('share one kept compile among plans that differ only in bound values', () => {
    const cache = createCompileCache(form);
    const a = cache(plan(DEEP_PAGE, { first: 20, after: CURSOR_7 }, ADMIN_WITHOUT_USER)!);
    const b = cache(plan(DEEP_PAGE, { first: 20, after: CURSOR_9000 }, ADMIN_WITHOUT_USER)!);
    const c = cache(plan(DEEP_PAGE, { first: 20, after: encodeCursor('User', '123') }, ADMIN_WITHOUT_USER)!);
    const kept = (x: CompiledQueryPlan) => x.rows[0] ?? x.json;
    expect(kept(c)).toBe(kept(b));
    expect(c.values).toEqual(['123']);
    // The first request of a shape is answered from its own compile; it has no values to bind.
    expect(a.values).toBeUndefined();
    // Another first, or no cursor: another shape.
    const d = cache(plan(DEEP_PAGE, { first: 5, after: CURSOR_7 }, ADMIN_WITHOUT_USER)!);
    expect(kept(d)).not.toBe(kept(c));
    // A customer's row rule binds the viewer's user id too.
    const e = cache(plan(USER_BY_ID, { id: '5' }, { kind: 'customer', userId: '5' })!);
    const f = cache(plan(USER_BY_ID, { id: '6' }, { kind: 'customer', userId: '6' })!);
    const g = cache(plan(USER_BY_ID, { id: '7' }, { kind: 'customer', userId: '6' })!);
    expect(e.values).toBeUndefined();
    expect(g.values).toEqual(['7', '6']);
    expect(sent(g)).toBe(sent(compileQuery(plan(USER_BY_ID, { id: '7' }, { kind: 'customer', userId: '6' })!, form)));
    expect(kept(g)).toBe(kept(f));
  });

  it('keep a count by status per status: its statement reads that status\'s counter', () => {
    const cache = createCompileCache(form);
    const count = 'query C($status: OrderStatus) { orders(filter: { status: $status }) { totalCount } }';
    for (const status of ['PAID', 'SHIPPED', 'PAID', 'PENDING', 'SHIPPED']) {
      const p = plan(count, { status }, ADMIN_WITHOUT_USER)!;
      const kept = cache(p);
      expect(sent(kept)).toBe(sent(compileQuery(p, form)));
      expect(sent(kept)).toContain(status.toLowerCase());
    }
  });

  it('compile a value holding the stand-ins\' mark on its own, with the value as sent', () => {
    const cache = createCompileCache(form);
    for (const search of ['mug', '\uFDD00\uFDD0', '%\uFDD01\uFDD0%', 'a\uFDD0b', '50%_off!']) {
      const p = plan(SEARCH_BOX, { search }, ANONYMOUS)!;
      const kept = cache(p);
      expect(sent(kept)).toBe(sent(compileQuery(p, form)));
      expect(sent(kept)).toContain(JSON.stringify(containsPattern(search)));
    }
  });
});
