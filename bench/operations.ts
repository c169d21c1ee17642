// The benchmark operations: the same text is sent to the gateway and the baseline.
import { DATASET, randInt } from './common.ts';

export const USER_BY_ID =
  'query UserById($id: ID!) { user(id: $id) { id name email createdAt orderCount totalSpent } }';

export const DASHBOARD =
  'query Dashboard { users(first: 50) { nodes { id name orders(first: 5) { nodes { id total status items { quantity unitPrice product { id name price } } } } } } productCount }';

export const PLACE_ORDER =
  'mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id status total items { quantity unitPrice subtotal product { id } } } }';

export type OperationName = 'UserById' | 'Dashboard' | 'PlaceOrder';
export const WORKLOADS: readonly OperationName[] = ['UserById', 'Dashboard', 'PlaceOrder'];

export interface GraphQLBody {
  query: string;
  variables?: Record<string, unknown>;
  operationName: OperationName;
}

export interface PlaceOrderInput {
  userId: string;
  items: { productId: string; quantity: number }[];
}

/** Ids used for the equivalence check of the random-id workload (fixed, not random). */
export const CHECK_USER_IDS: readonly number[] = [1, 2, 50, 777, 4242, 9999, 10_000];

/** PlaceOrder inputs for the equivalence check. Users 1..50 are left alone (Dashboard reads them). */
export const CHECK_ORDER_INPUTS: readonly PlaceOrderInput[] = [
  { userId: '9000', items: [{ productId: '7', quantity: 2 }] },
  { userId: '9001', items: [{ productId: '1999', quantity: 1 }, { productId: '3', quantity: 3 }] },
  {
    userId: '10000',
    items: [
      { productId: '500', quantity: 1 },
      { productId: '2000', quantity: 2 },
      { productId: '1', quantity: 3 },
    ],
  },
];

export function userByIdBody(id: number | string): GraphQLBody {
  return { query: USER_BY_ID, variables: { id: String(id) }, operationName: 'UserById' };
}

export function dashboardBody(): GraphQLBody {
  return { query: DASHBOARD, operationName: 'Dashboard' };
}

export function placeOrderBody(input: PlaceOrderInput): GraphQLBody {
  return { query: PLACE_ORDER, variables: { input }, operationName: 'PlaceOrder' };
}

/** A random order: user 51..N (keeps Dashboard's users stable), 1-3 distinct products, quantity 1-3. */
export function randomOrderInput(rand: () => number): PlaceOrderInput {
  const lines = randInt(rand, 1, 3);
  const products = new Set<number>();
  while (products.size < lines) products.add(randInt(rand, 1, DATASET.products));
  return {
    userId: String(randInt(rand, 51, DATASET.users)),
    items: [...products].map((p) => ({ productId: String(p), quantity: randInt(rand, 1, 3) })),
  };
}

/** Body for one request of a workload; random parts come from the given deterministic PRNG. */
export function requestBody(workload: OperationName, rand: () => number): GraphQLBody {
  switch (workload) {
    case 'UserById':
      return userByIdBody(randInt(rand, 1, DATASET.users));
    case 'Dashboard':
      return dashboardBody();
    case 'PlaceOrder':
      return placeOrderBody(randomOrderInput(rand));
  }
}
