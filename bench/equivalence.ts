// Before any load: the same requests go to the server under test and to the baseline, and `data`
// must be identical, key order included (PlaceOrder: everything but the new order's id). Mixed
// checks every operation's requests.
import { dataset } from './common.ts';
import {
  checkClientInputs,
  checkDeepPageInputs,
  checkOrderInputs,
  checkSearchInputs,
  checkUserIds,
  ORDER_STATUSES,
  type WorkloadContext,
} from './inputs.ts';
import { body, OPERATIONS, type GraphQLBody, type Workload } from './operations.ts';

export interface Equivalence {
  ok: boolean;
  answered: boolean; // false: the server gave no HTTP answer at all (down, hung, timed out)
  requests: number;
  problems: string[];
}

interface Response {
  status: number;
  data?: unknown;
  errors?: unknown;
}

/** POSTs one operation; a network error or a 10 s timeout comes back as status 0 with the reason. */
export async function post(origin: string, body: GraphQLBody): Promise<Response> {
  let status = 0;
  let text: string;
  try {
    const res = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? 'no answer within 10 s' : String(err);
    return { status, errors: `request failed: ${reason}` };
  }
  try {
    return { status, ...(JSON.parse(text) as object) };
  } catch {
    return { status, errors: `non-JSON body: ${text.slice(0, 200)}` };
  }
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** First difference between two JSON values (object key order counts), or null. */
export function diff(a: unknown, b: unknown, path = 'data'): string | null {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join() !== kb.join()) return `${path}: keys ${show(ka)} vs ${show(kb)}`;
    for (const k of ka) {
      const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${show(a)} vs ${show(b)}`;
}

function checkBodies(workload: Workload, ctx: WorkloadContext): GraphQLBody[] {
  const set = dataset(ctx.scale);
  switch (workload) {
    case 'UserById':
      return checkUserIds(set).map((id) => body('UserById', { id }));
    case 'Dashboard':
      return [body('Dashboard')];
    case 'PlaceOrder':
      return checkOrderInputs(set).map((input) => body('PlaceOrder', { input }));
    case 'SearchBox':
      return checkSearchInputs(set).map((v) => body('SearchBox', { ...v }));
    case 'OrderList':
      return [...ORDER_STATUSES.map((status) => body('OrderList', { status })), body('OrderList', {})];
    case 'ClientDocument':
      return checkClientInputs(set).map((v) => body('ClientDocument', { ...v }));
    case 'DeepPage':
      return checkDeepPageInputs(ctx).map((v) => body('DeepPage', { ...v }));
    case 'Mixed':
      return OPERATIONS.flatMap((op) => checkBodies(op, ctx));
  }
}

/** Replaces placeOrder.id (different on each server) after checking it is a decimal id. */
function withoutOrderId(data: unknown, problems: string[], who: string): unknown {
  const order = (data as { placeOrder?: { id?: unknown } } | null)?.placeOrder;
  if (!order) return data;
  if (typeof order.id !== 'string' || !/^[1-9][0-9]*$/.test(order.id)) problems.push(`${who}: placeOrder.id ${show(order.id)} is not an ID string`);
  return { ...data as object, placeOrder: { ...order, id: '<id>' } };
}

/**
 * Sends each check request of the workload to the server under test and to the baseline, and
 * compares `data`. The two run one after the other, not at once: OrderList's counts and
 * ClientDocument's orders would otherwise race the other's PlaceOrder checks.
 */
export async function checkEquivalence(workload: Workload, subject: string, baseline: string, ctx: WorkloadContext): Promise<Equivalence> {
  const problems: string[] = [];
  const bodies = checkBodies(workload, ctx);
  for (const b0 of bodies) {
    const s = await post(subject, b0);
    const label = `${b0.operationName} ${show(b0.variables ?? {})}`;
    if (s.status === 0) {
      problems.push(`${label}: server ${show(s.errors)}`);
      return { ok: false, answered: false, requests: bodies.length, problems };
    }
    const b = await post(baseline, b0);
    if (s.status !== 200 || s.errors) problems.push(`${label}: server answered ${s.status} ${show(s.errors ?? '')}`);
    if (b.status !== 200 || b.errors) problems.push(`${label}: baseline answered ${b.status} ${show(b.errors ?? '')}`);
    const d = b0.operationName === 'PlaceOrder'
      ? diff(withoutOrderId(s.data, problems, 'server'), withoutOrderId(b.data, problems, 'baseline'))
      : diff(s.data, b.data);
    if (d) problems.push(`${label}: server vs baseline differ at ${d}`);
  }
  return { ok: problems.length === 0, answered: true, requests: bodies.length, problems };
}
