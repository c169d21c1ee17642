/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ProductCard on Product {\n    id\n    sku\n    name\n    price\n    stock\n  }\n": typeof types.ProductCardFragmentDoc,
    "\n  fragment OrderSummary on Order {\n    id\n    status\n    total\n    createdAt\n    items {\n      quantity\n      unitPrice\n      subtotal\n      product {\n        ...ProductCard\n      }\n    }\n  }\n": typeof types.OrderSummaryFragmentDoc,
    "\n  query ProductSearch($search: String, $first: Int!, $after: String) {\n    products(first: $first, after: $after, filter: { search: $search }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...ProductCard\n      }\n    }\n  }\n": typeof types.ProductSearchDocument,
    "\n  query UserWithOrders($id: ID!, $orders: Int!) {\n    user(id: $id) {\n      id\n      name\n      email\n      orderCount\n      totalSpent\n      orders(first: $orders) {\n        totalCount\n        nodes {\n          ...OrderSummary\n        }\n      }\n    }\n  }\n": typeof types.UserWithOrdersDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      ...OrderSummary\n      user {\n        name\n      }\n    }\n  }\n": typeof types.PlaceOrderDocument,
};
const documents: Documents = {
    "\n  fragment ProductCard on Product {\n    id\n    sku\n    name\n    price\n    stock\n  }\n": types.ProductCardFragmentDoc,
    "\n  fragment OrderSummary on Order {\n    id\n    status\n    total\n    createdAt\n    items {\n      quantity\n      unitPrice\n      subtotal\n      product {\n        ...ProductCard\n      }\n    }\n  }\n": types.OrderSummaryFragmentDoc,
    "\n  query ProductSearch($search: String, $first: Int!, $after: String) {\n    products(first: $first, after: $after, filter: { search: $search }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...ProductCard\n      }\n    }\n  }\n": types.ProductSearchDocument,
    "\n  query UserWithOrders($id: ID!, $orders: Int!) {\n    user(id: $id) {\n      id\n      name\n      email\n      orderCount\n      totalSpent\n      orders(first: $orders) {\n        totalCount\n        nodes {\n          ...OrderSummary\n        }\n      }\n    }\n  }\n": types.UserWithOrdersDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      ...OrderSummary\n      user {\n        name\n      }\n    }\n  }\n": types.PlaceOrderDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProductCard on Product {\n    id\n    sku\n    name\n    price\n    stock\n  }\n"): (typeof documents)["\n  fragment ProductCard on Product {\n    id\n    sku\n    name\n    price\n    stock\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrderSummary on Order {\n    id\n    status\n    total\n    createdAt\n    items {\n      quantity\n      unitPrice\n      subtotal\n      product {\n        ...ProductCard\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment OrderSummary on Order {\n    id\n    status\n    total\n    createdAt\n    items {\n      quantity\n      unitPrice\n      subtotal\n      product {\n        ...ProductCard\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProductSearch($search: String, $first: Int!, $after: String) {\n    products(first: $first, after: $after, filter: { search: $search }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...ProductCard\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProductSearch($search: String, $first: Int!, $after: String) {\n    products(first: $first, after: $after, filter: { search: $search }) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...ProductCard\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserWithOrders($id: ID!, $orders: Int!) {\n    user(id: $id) {\n      id\n      name\n      email\n      orderCount\n      totalSpent\n      orders(first: $orders) {\n        totalCount\n        nodes {\n          ...OrderSummary\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query UserWithOrders($id: ID!, $orders: Int!) {\n    user(id: $id) {\n      id\n      name\n      email\n      orderCount\n      totalSpent\n      orders(first: $orders) {\n        totalCount\n        nodes {\n          ...OrderSummary\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      ...OrderSummary\n      user {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      ...OrderSummary\n      user {\n        name\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;