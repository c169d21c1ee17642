// The benchmark operations: the same text is sent to the gateway and the baseline. Each workload is
// one GraphQL document as a client sends it; its variables come from bench/inputs.ts.
import { dataset, randInt } from './common.ts';
import { randomClientInput, randomDeepPageInput, randomOrderInput, randomOrderListInput, randomSearchInput, type WorkloadContext } from './inputs.ts';

export const USER_BY_ID =
  'query UserById($id: ID!) { user(id: $id) { id name email createdAt orderCount totalSpent } }';

export const DASHBOARD =
  'query Dashboard { users(first: 50) { nodes { id name orders(first: 5) { nodes { id total status items { quantity unitPrice product { id name price } } } } } } productCount }';

export const PLACE_ORDER =
  'mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id status total items { quantity unitPrice subtotal product { id } } } }';

/** A search box: substring search plus filters, with the count and whether a next page exists. */
export const SEARCH_BOX =
  'query SearchBox($search: String!, $inStock: Boolean, $minPrice: Decimal) { products(first: 20, filter: { search: $search, inStock: $inStock, minPrice: $minPrice }) { totalCount pageInfo { hasNextPage endCursor } nodes { id name price stock } } }';

/** A back-office list: 100 orders of a status with their user and items, and the count. */
export const ORDER_LIST =
  'query OrderList($status: OrderStatus) { orders(first: 100, filter: { status: $status }) { totalCount nodes { id status total createdAt user { id name } items { quantity unitPrice product { id name } } } } }';

/**
 * A user's profile page as Apollo Client sends it: printed with newlines, fragments,
 * `__typename` added to every selection set (fragments included), a directive, and
 * Relay-style edges with cursors and pageInfo.
 */
export const CLIENT_DOCUMENT = `query ClientDocument($id: ID!, $withOrders: Boolean!) {
  user(id: $id) {
    __typename
    ...UserHeader
    orders(first: 5) @include(if: $withOrders) {
      __typename
      edges {
        __typename
        cursor
        node {
          __typename
          ...OrderRow
        }
      }
      pageInfo {
        __typename
        hasNextPage
        endCursor
      }
    }
  }
}

fragment UserHeader on User {
  __typename
  id
  name
  email
  orderCount
  totalSpent
}

fragment OrderRow on Order {
  __typename
  id
  status
  total
  createdAt
  items {
    __typename
    quantity
    unitPrice
    product {
      __typename
      id
      name
      price
    }
  }
}`;

/** A page of users deep in the list, through `after` (the load uses first: 20; the cursor walk first: 100). */
export const DEEP_PAGE =
  'query DeepPage($first: Int!, $after: String) { users(first: $first, after: $after) { edges { cursor node { id name email createdAt } } pageInfo { hasNextPage endCursor } } }';

export type OperationName = 'UserById' | 'Dashboard' | 'PlaceOrder' | 'SearchBox' | 'OrderList' | 'ClientDocument' | 'DeepPage';
export const OPERATIONS: readonly OperationName[] = ['UserById', 'Dashboard', 'PlaceOrder', 'SearchBox', 'OrderList', 'ClientDocument', 'DeepPage'];

/** A workload is one operation, or `Mixed` (read/write traffic, see MIXED). */
export type Workload = OperationName | 'Mixed';
export const WORKLOADS: readonly Workload[] = [...OPERATIONS, 'Mixed'];

/**
 * Mixed traffic: 80% reads of the shapes above, 20% placeOrder, as cumulative
 * weights. Dashboard is the heaviest read (an 83 KB answer), so it is rare.
 */
export const MIXED: readonly [number, OperationName][] = [
  [0.2, 'UserById'], [0.35, 'ClientDocument'], [0.5, 'SearchBox'], [0.65, 'DeepPage'],
  [0.75, 'OrderList'], [0.8, 'Dashboard'], [1, 'PlaceOrder'],
];

/** The documents by operation name, as the baseline recognises them. */
export const DOCUMENTS: Record<OperationName, string> = {
  UserById: USER_BY_ID, Dashboard: DASHBOARD, PlaceOrder: PLACE_ORDER, SearchBox: SEARCH_BOX,
  OrderList: ORDER_LIST, ClientDocument: CLIENT_DOCUMENT, DeepPage: DEEP_PAGE,
};

export interface GraphQLBody {
  query: string;
  variables?: Record<string, unknown>;
  operationName: OperationName;
}

export function body(operationName: OperationName, variables?: Record<string, unknown>): GraphQLBody {
  return variables === undefined ? { query: DOCUMENTS[operationName], operationName } : { query: DOCUMENTS[operationName], variables, operationName };
}

/** Body for one request of a workload; random parts come from the given deterministic PRNG. */
export function requestBody(workload: Workload, rand: () => number, ctx: WorkloadContext): GraphQLBody {
  const set = dataset(ctx.scale);
  switch (workload) {
    case 'UserById':
      return body('UserById', { id: String(randInt(rand, 1, set.users)) });
    case 'Dashboard':
      return body('Dashboard');
    case 'PlaceOrder':
      return body('PlaceOrder', { input: randomOrderInput(rand, set) });
    case 'SearchBox':
      return body('SearchBox', { ...randomSearchInput(rand, set) });
    case 'OrderList':
      return body('OrderList', randomOrderListInput(rand));
    case 'ClientDocument':
      return body('ClientDocument', randomClientInput(rand, set));
    case 'DeepPage':
      return body('DeepPage', randomDeepPageInput(rand, ctx));
    case 'Mixed': {
      const r = rand();
      return requestBody(MIXED.find(([w]) => r < w)?.[1] ?? 'UserById', rand, ctx);
    }
  }
}
