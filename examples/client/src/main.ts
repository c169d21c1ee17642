// The typed client example: against a running gateway (GATEWAY_URL), it
// pages through a product search by cursor, places an order of one unit of
// the first product in stock, and shows the user with their first orders.
//
//   GATEWAY_URL=http://127.0.0.1:4000/graphql npx tsx examples/client/src/main.ts [--hashes]
//
// --hashes sends only the documents' hashes (trusted documents); the gateway
// then needs TRUSTED_DOCUMENTS=examples/client/src/gql/persisted-documents.json.
// SEARCH (default lamp), PAGE_SIZE (5) and USER_ID (1) choose what it asks.
import type { AnyVariables, Client, OperationResult, TypedDocumentNode } from '@urql/core';
import { createClient } from './client.js';
import { PlaceOrder, ProductCard, ProductSearch, UserWithOrders } from './documents.js';
import { orderLines, productLine } from './format.js';
import type { ProductSearchQuery } from './gql/graphql.js';
import { getFragmentData } from './gql/index.js';

const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const search = process.env.SEARCH ?? 'lamp';
const pageSize = Number(process.env.PAGE_SIZE ?? 5);
const userId = process.env.USER_ID ?? '1';
const hashes = process.argv.includes('--hashes');
const client = createClient(url, { hashes });

/** The result's data, or the errors printed and the process ended. */
function dataOf<Data, Variables extends AnyVariables>(name: string, result: OperationResult<Data, Variables>): Data {
  if (result.error || !result.data) {
    const errors = result.error?.graphQLErrors.map((e) => `${e.message} (${String(e.extensions.code ?? 'no code')})`) ?? [];
    console.error(`${name} failed: ${errors.length ? errors.join('; ') : (result.error?.message ?? 'no data')}`);
    process.exit(1);
  }
  return result.data;
}

async function query<Data, Variables extends AnyVariables>(c: Client, name: string, doc: TypedDocumentNode<Data, Variables>, variables: Variables) {
  return dataOf(name, await c.query(doc, variables).toPromise());
}

console.log(`gateway ${url}, sending ${hashes ? 'hashes' : 'document texts'}`);

// A product search page by page: each page's endCursor is the next one's `after`.
let after: string | null = null;
let firstInStock: { id: string; name: string } | null = null;
for (let page = 1; ; page++) {
  const { products }: ProductSearchQuery = await query(client, 'ProductSearch', ProductSearch, { search, first: pageSize, after });
  if (page === 1) console.log(`products matching "${search}": ${products.totalCount}, ${pageSize} a page`);
  console.log(`page ${page}:`);
  for (const node of products.nodes) {
    console.log(`  ${productLine(node)}`);
    const product = getFragmentData(ProductCard, node);
    if (!firstInStock && product.stock > 0) firstInStock = { id: product.id, name: product.name };
  }
  if (!products.pageInfo.hasNextPage) break;
  after = products.pageInfo.endCursor;
}

if (firstInStock) {
  const input = { userId, items: [{ productId: firstInStock.id, quantity: 1 }] };
  const { placeOrder } = dataOf('PlaceOrder', await client.mutation(PlaceOrder, { input }).toPromise());
  console.log(`placed for ${placeOrder.user.name}:`);
  for (const line of orderLines(placeOrder)) console.log(`  ${line}`);
} else {
  console.log('no product in stock: no order placed');
}

const { user } = await query(client, 'UserWithOrders', UserWithOrders, { id: userId, orders: 3 });
if (!user) {
  console.log(`no user ${userId}`);
} else {
  console.log(`${user.name} <${user.email}>: ${user.orderCount} orders, ${user.totalSpent} spent; the first ${user.orders.nodes.length} of ${user.orders.totalCount}:`);
  for (const order of user.orders.nodes) for (const line of orderLines(order)) console.log(`  ${line}`);
}
