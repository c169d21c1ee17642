// Products: columns sku, name, price, stock (createProduct's
// CreateProductInput); the sku is the unique key --on-conflict applies to,
// and an update sets name, price and stock.
import { validateCreateProduct } from '../../products/create-product.ts';
import { skuTakenError, type NewProduct } from '../../products/product.writes.ts';
import { int, moneyInput, text } from '../fields.ts';
import { insertProductsQuery, updateProductsQuery } from '../import.writes.ts';
import { matchKeys } from '../match-keys.ts';
import { planUpserts } from '../upsert-plan.ts';
import type { KindWriter } from './kind.ts';

export const productsKind: KindWriter<NewProduct> = {
  kind: 'products',
  spec: { columns: ['sku', 'name', 'price', 'stock'], required: ['sku', 'name', 'price', 'stock'] },
  prepare: (values) =>
    validateCreateProduct({
      sku: text(values, 'sku'),
      name: text(values, 'name'),
      // As the Decimal scalar receives it: text or a JSON number, checked by parseDecimalInput.
      price: moneyInput(values, 'price') as string,
      stock: int(values.stock, 'stock'),
    }),
  async write(trx, rows, { onConflict }) {
    const matches = await matchKeys(trx, 'products.sku', rows.map((row) => row.value.sku));
    const plan = planUpserts(rows, matches, onConflict, (product) => skuTakenError(product.sku), (first, last) => ({ ...last, sku: first.sku }));
    if (plan.inserts.length > 0) await trx.executeQuery(insertProductsQuery(plan.inserts));
    if (plan.updates.length > 0) await trx.executeQuery(updateProductsQuery(plan.updates));
    return plan.outcomes;
  },
};
