// Lines of output, one function per fragment: each sees only the fields its
// fragment selects (fragment masking), unmasked with getFragmentData.
import { ProductCard, OrderSummary } from './documents.js';
import { getFragmentData, type FragmentType } from './gql/index.js';

export function productLine(ref: FragmentType<typeof ProductCard>): string {
  const p = getFragmentData(ProductCard, ref);
  return `#${p.id} ${p.sku} ${p.name}: ${p.price}, ${p.stock} in stock`;
}

export function orderLines(ref: FragmentType<typeof OrderSummary>): string[] {
  const o = getFragmentData(OrderSummary, ref);
  const lines = [`order #${o.id} ${o.status} ${o.total} on ${o.createdAt.slice(0, 10)}`];
  for (const item of o.items) {
    const product = getFragmentData(ProductCard, item.product);
    lines.push(`  ${item.quantity} x ${product.name} (${product.sku}) at ${item.unitPrice} = ${item.subtotal}`);
  }
  return lines;
}
