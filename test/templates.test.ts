// Document templates (src/compiled/templates.ts): a document whose variables
// are ids, directive booleans, firsts, cursors and filter values is planned
// and compiled once per kind of viewer and structural values (the schema's own
// scalars coerce Decimal and DateTime filters); every request's filled template
// sends what planning and compiling that request on its own sends, in both
// compiled forms, and refuses (null: the ordinary path reports) what the
// planner refuses. The answers over HTTP are proved against the resolvers in
// test/compiled-rows.test.ts, test/compiled-queries.test.ts and
// test/auth-rules.test.ts, where every such document now runs from a template.
import { parse, type DocumentNode } from 'graphql';
import { createSchema } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { CLIENT_DOCUMENT, DASHBOARD, DEEP_PAGE, ORDER_LIST, SEARCH_BOX, USER_BY_ID } from '../bench/operations.ts';
import { compileQuery, type CompiledForm } from '../src/compiled/forms.ts';
import { buildPlan } from '../src/compiled/plan-query.ts';
import { entitiesOf, type OperationPlan } from '../src/compiled/plan.ts';
import { buildQueryTemplate, fillTemplate, templateKey, templateVariables, viewerShape } from '../src/compiled/templates.ts';
import { encodeCursor } from '../src/connections.ts';
import { resolvers, typeDefs } from '../src/schema.ts';
import { ADMIN_WITHOUT_USER, ANONYMOUS, type Viewer } from '../src/viewer.ts';
import { sent } from './support/compiled-sent.ts';

// The served schema: its Decimal and DateTime scalars coerce (and refuse) values as requests meet them.
const schema = createSchema({ typeDefs, resolvers });
const measure = () => 1;

const USER_PAGE = `query P($id: ID!, $n: Int!, $after: String, $items: Boolean!) {
  user(id: $id) { id orders(first: $n, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id items @include(if: $items) { quantity } } } } }
  viewer { id orderCount }
}`;

const USER_SEARCH = 'query S($q: String, $after: String) { users(first: 10, after: $after, filter: { search: $q }) { totalCount nodes { id name } } }';
const ORDERS_RANGE =
  'query R($from: DateTime!, $to: DateTime, $s: OrderStatus) { orders(first: 5, filter: { createdAfter: $from, createdBefore: $to, status: $s }) { totalCount pageInfo { hasNextPage } nodes { id createdAt } } }';
const PRICE_COUNT = 'query C($min: Decimal, $max: Decimal!) { productCount(filter: { minPrice: $min, maxPrice: $max }) cheap: products(first: 3, filter: { maxPrice: $max }) { nodes { id price } } }';

const CASES: { query: string; vars: Record<string, unknown>[] }[] = [
  { query: USER_BY_ID, vars: [{ id: '1' }, { id: '2' }, { id: 77 }] },
  { query: DEEP_PAGE, vars: [{ first: 20, after: encodeCursor('User', '7') }, { first: 20, after: encodeCursor('User', '9000') }, { first: 20, after: null }, { first: 20 }, { first: 5, after: encodeCursor('User', '7') }] },
  { query: CLIENT_DOCUMENT, vars: [{ id: '3', withOrders: true }, { id: '4', withOrders: true }, { id: '4', withOrders: false }, { id: '9', withOrders: false }] },
  { query: USER_PAGE, vars: [{ id: '5', n: 3, items: true }, { id: '6', n: 3, items: true, after: encodeCursor('Order', '40') }, { id: '7', n: 3, items: false, after: encodeCursor('Order', '2') }, { id: '8', n: 0, items: true }] },
  { query: DASHBOARD, vars: [{}, {}] },
  {
    query: SEARCH_BOX,
    vars: [
      { search: 'mug' }, { search: 'lamp', inStock: true, minPrice: '3' }, { search: 'desk', inStock: true, minPrice: '9.50' }, { search: '50%_off!' },
      { search: 'x', inStock: false }, { search: '' }, { search: 'Lamp', inStock: null, minPrice: null }, { search: ' mug ', minPrice: 12 }, { search: 'SKU-000123', minPrice: '-0.00' },
    ],
  },
  { query: USER_SEARCH, vars: [{ q: 'ann' }, { q: 'bob' }, { q: null }, {}, { q: '', after: encodeCursor('User', '30') }, { q: 'x_%!', after: encodeCursor('User', '3') }] },
  { query: ORDERS_RANGE, vars: [{ from: '2026-01-01T00:00:00Z' }, { from: '2026-02-01T10:00:00+02:00', to: '2026-03-01T00:00:00.5Z', s: 'PAID' }, { from: '2025-12-31T23:59:59.999Z', to: null, s: null }] },
  { query: PRICE_COUNT, vars: [{ max: '10' }, { min: '1.5', max: 99 }, { min: null, max: '0' }] },
  { query: ORDER_LIST, vars: [{ status: 'PAID' }, { status: 'SHIPPED' }, { status: null }, {}] },
  // Counts a customer's row rule narrows to their own orders (a counter per user), by status too.
  { query: '{ orders(first: 1) { totalCount } paid: orders(filter: { status: PAID }) { totalCount } viewer { orderCount orders { totalCount } shipped: orders(status: SHIPPED) { totalCount } } }', vars: [{}] },
];

const VIEWERS: Viewer[] = [ANONYMOUS, ADMIN_WITHOUT_USER, { kind: 'admin', userId: '12' }, { kind: 'customer', userId: '5' }, { kind: 'customer', userId: '6' }];

function template(doc: DocumentNode, vars: Record<string, unknown>, viewer: Viewer, form: CompiledForm) {
  const variables = templateVariables(doc)!;
  expect(variables).not.toBeNull();
  expect(templateKey(variables, vars, schema)).not.toBeNull();
  return buildQueryTemplate({ schema, doc, operationName: undefined, variables, requestVars: vars, measure, maxObjects: 10_000, standIn: viewerShape(viewer).standIn, form });
}

describe.each<CompiledForm>(['auto', 'json', 'rows'])('templates (COMPILED_FORM=%s)', (form) => {
  it('send what planning and compiling each request on its own sends, for every document, value and viewer', () => {
    let compared = 0;
    const declined = new Set<string>();
    for (const viewer of VIEWERS) {
      for (const { query, vars } of CASES) {
        const doc = parse(query);
        for (const v of vars) {
          const plan = buildPlan(schema, doc, undefined, v, viewer);
          const t = template(doc, v, viewer, form);
          // A document the viewer may not run plans to nothing either way.
          if (!plan) {
            expect(t).toBeNull();
            continue;
          }
          // A template its probe refutes (a customer's count by status below) is not kept: planned per request.
          if (!t) {
            declined.add(`${query.slice(0, 40)} ${viewer.kind} ${JSON.stringify(v)}`);
            continue;
          }
          const filled = fillTemplate(t, v, viewer)!;
          expect(sent(filled.compiled), `${query.slice(0, 30)} ${JSON.stringify(v)} ${JSON.stringify(viewer)}`).toBe(sent(compileQuery(plan, form)));
          // What the executor reads of the plan: each root's key, kind and id (NOT_FOUND), and what the response cache tags.
          // The template's plan keeps its stand-in ids; the request's are in `ids`, as the executor reads them.
          const read = (p: OperationPlan, ids?: readonly (string | undefined)[]) =>
            p.roots.map((r, i) => ({ key: r.key, kind: r.kind, ...(r.kind === 'single' ? { id: ids?.[i] ?? r.id, missing: r.missing, location: r.location, entity: r.entity } : {}) }));
          expect(read(filled.plan, filled.ids)).toEqual(read(plan));
          expect(entitiesOf(filled.plan)).toEqual(entitiesOf(plan));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
    // Only a customer's counts by status, whose compile reads the status's own counter of that customer.
    expect([...declined].sort()).toEqual([
      `${CASES.at(-1)!.query.slice(0, 40)} customer {}`,
      `${ORDER_LIST.slice(0, 40)} customer {"status":"PAID"}`,
      `${ORDER_LIST.slice(0, 40)} customer {"status":"SHIPPED"}`,
    ].sort());
    for (const query of [USER_BY_ID, DEEP_PAGE, CLIENT_DOCUMENT, USER_PAGE, DASHBOARD, SEARCH_BOX, ORDER_LIST, USER_SEARCH, ORDERS_RANGE, PRICE_COUNT]) expect(template(parse(query), CASES.find((c) => c.query === query)!.vars[0]!, ADMIN_WITHOUT_USER, form)).not.toBeNull();
  });

  it('refuse what the planner refuses: a malformed id or cursor, a cursor of another list, a scalar its type refuses', () => {
    const doc = parse(USER_PAGE);
    const t = template(doc, { id: '5', n: 3, items: true, after: encodeCursor('Order', '1') }, ADMIN_WITHOUT_USER, form)!;
    for (const bad of [{ id: 'x' }, { id: null }, { after: 'not a cursor' }, { after: encodeCursor('User', '1') }]) {
      const v = { id: '5', n: 3, items: true, after: encodeCursor('Order', '1'), ...bad };
      expect(buildPlan(schema, doc, undefined, v, ADMIN_WITHOUT_USER)).toBeNull();
      expect(fillTemplate(t, v, ADMIN_WITHOUT_USER)).toBeNull();
    }
    // A filter's scalar the schema refuses, or a text that is not one.
    const search = parse(SEARCH_BOX);
    const searchTemplate = template(search, { search: 'mug', minPrice: '1.00' }, ADMIN_WITHOUT_USER, form)!;
    for (const bad of [{ minPrice: 'abc' }, { minPrice: '1.001' }, { minPrice: '12345678901' }, { minPrice: true }]) {
      const v = { search: 'mug', ...bad };
      expect(buildPlan(schema, search, undefined, v, ADMIN_WITHOUT_USER)).toBeNull();
      expect(fillTemplate(searchTemplate, v, ADMIN_WITHOUT_USER)).toBeNull();
    }
    const range = parse(ORDERS_RANGE);
    const rangeTemplate = template(range, { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }, ADMIN_WITHOUT_USER, form)!;
    for (const bad of [{ to: 'yesterday' }, { to: '2026-02-31T00:00:00Z' }, { to: '2026-02-01T00:00:00' }, { from: 5 }]) {
      const v = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', ...bad };
      expect(buildPlan(schema, range, undefined, v, ADMIN_WITHOUT_USER)).toBeNull();
      expect(fillTemplate(rangeTemplate, v, ADMIN_WITHOUT_USER)).toBeNull();
    }
    // A first out of range: no template for it, and no plan.
    const tooMany = { id: '5', n: 100_000, items: true };
    expect(buildPlan(schema, doc, undefined, tooMany, ADMIN_WITHOUT_USER)).toBeNull();
    expect(template(doc, tooMany, ADMIN_WITHOUT_USER, form)).toBeNull();
  });
});

describe('which documents take a template', () => {
  it('those whose every variable is an id, a directive boolean, a first, a cursor or a filter value; not a filter parsed further, a whole filter, a default, a cursor of two lists', () => {
    expect(templateVariables(parse(DEEP_PAGE))).toEqual({ ids: [], flags: [], firsts: ['first'], cursors: [{ name: 'after', kind: 'User', required: false }], filters: [] });
    expect(templateVariables(parse(CLIENT_DOCUMENT))).toMatchObject({ ids: ['id'], flags: ['withOrders'] });
    expect(templateVariables(parse(SEARCH_BOX))).toMatchObject({
      filters: [{ name: 'search', type: 'String', required: true }, { name: 'inStock', type: 'Boolean', required: false }, { name: 'minPrice', type: 'Decimal', required: false }],
    });
    expect(templateVariables(parse('query($b: Boolean!) { products(filter: { inStock: $b }) { totalCount } }'))).toMatchObject({ filters: [{ name: 'b', type: 'Boolean' }] });
    expect(templateVariables(parse('query($n: Int! = 5) { users(first: $n) { totalCount } }'))).toBeNull();
    expect(templateVariables(parse('query($a: String) { users(after: $a) { totalCount } orders(after: $a) { totalCount } }'))).toBeNull();
    // The order filter's userId is parsed by the filter function (parseId): planned per request.
    expect(templateVariables(parse('query($u: ID) { orders(filter: { userId: $u }) { totalCount } }'))).toBeNull();
    expect(templateVariables(parse('query($f: ProductFilter) { products(filter: $f) { totalCount } }'))).toBeNull();
    // A text used as a filter and as a cursor has two uses.
    expect(templateVariables(parse('query($s: String) { users(after: $s) { totalCount } products(filter: { search: $s }) { totalCount } }'))).toBeNull();
  });

  it('a key only for values of their type', () => {
    const variables = templateVariables(parse(USER_PAGE))!;
    expect(templateKey(variables, { id: '1', n: 3, items: true }, schema)).toBe('t,3-');
    expect(templateKey(variables, { id: '1', n: 3, items: false, after: 'abc' }, schema)).toBe('f,3+');
    for (const bad of [{ n: '3' }, { n: 1.5 }, { items: 'yes' }, { items: undefined }, { after: 7 }]) expect(templateKey(variables, { id: '1', n: 3, items: true, ...bad }, schema)).toBeNull();
    // Filter values: absent or null, an empty text or another, booleans and enum values as they are, a scalar's presence.
    const search = templateVariables(parse(SEARCH_BOX))!;
    expect(templateKey(search, { search: 'a' }, schema)).toBe('|+|-|-');
    expect(templateKey(search, { search: '', inStock: false, minPrice: null }, schema)).toBe('|e|f|n');
    expect(templateKey(search, { search: 'a', inStock: true, minPrice: 'not checked here' }, schema)).toBe('|+|t|+');
    for (const bad of [{ search: 5 }, { search: null }, { inStock: 'yes' }, { inStock: 1 }]) expect(templateKey(search, { search: 'a', ...bad }, schema)).toBeNull();
    const list = templateVariables(parse(ORDER_LIST))!;
    expect(templateKey(list, { status: 'PAID' }, schema)).toBe('|:PAID');
    expect(templateKey(list, {}, schema)).toBe('|-');
    for (const status of ['paid', 'BOGUS', 3, true]) expect(templateKey(list, { status }, schema)).toBeNull();
  });
});
