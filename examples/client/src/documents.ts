// The example's documents. The client preset reads the graphql() calls in
// this file and generates src/gql/, where graphql() returns each document
// typed with its result and variables.
import { graphql } from './gql/index.js';

/** A product as a line of a listing. */
export const ProductCard = graphql(`
  fragment ProductCard on Product {
    id
    sku
    name
    price
    stock
  }
`);

/** An order with its lines; each line's product is a ProductCard. */
export const OrderSummary = graphql(`
  fragment OrderSummary on Order {
    id
    status
    total
    createdAt
    items {
      quantity
      unitPrice
      subtotal
      product {
        ...ProductCard
      }
    }
  }
`);

/** One page of a product search; pass the page's endCursor as `after` for the next. */
export const ProductSearch = graphql(`
  query ProductSearch($search: String, $first: Int!, $after: String) {
    products(first: $first, after: $after, filter: { search: $search }) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...ProductCard
      }
    }
  }
`);

/** A user with their latest orders. */
export const UserWithOrders = graphql(`
  query UserWithOrders($id: ID!, $orders: Int!) {
    user(id: $id) {
      id
      name
      email
      orderCount
      totalSpent
      orders(first: $orders) {
        totalCount
        nodes {
          ...OrderSummary
        }
      }
    }
  }
`);

export const PlaceOrder = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      ...OrderSummary
      user {
        name
      }
    }
  }
`);
