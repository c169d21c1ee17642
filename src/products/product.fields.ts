// The product domain as data: its table, how each field of Product is
// stored, and ProductFilter as conditions. The repositories, the resolvers and
// the compiled path all read these, so a field or filter is written here once.
import { compare, contains, type Condition } from '../db/conditions.ts';
import { column, type FieldDef } from '../fields.ts';

export const PRODUCT_TABLE = 'products';

/** What "in stock" means, for the inStock filter. */
export const IN_STOCK = compare('stock', '>', 0);
const OUT_OF_STOCK = compare('stock', '=', 0);

export const PRODUCT_FIELDS: Record<string, FieldDef> = {
  id: column('id', 'id'),
  sku: column('sku', 'string'),
  name: column('name', 'string'),
  price: column('price', 'money'),
  stock: column('stock', 'int'),
  createdAt: column('created_at', 'datetime'),
};

/** ProductFilter as the client sends it (prices already checked by the Decimal scalar). */
export interface ProductFilterInput {
  search?: string | null;
  inStock?: boolean | null;
  minPrice?: string | null;
  maxPrice?: string | null;
}

export function productConditions(filter: ProductFilterInput | null | undefined): Condition[] {
  if (!filter) return [];
  const conditions: Condition[] = [];
  if (filter.search) conditions.push(contains(['name', 'sku'], filter.search));
  if (filter.inStock === true) conditions.push(IN_STOCK);
  if (filter.inStock === false) conditions.push(OUT_OF_STOCK);
  if (filter.minPrice != null) conditions.push(compare('price', '>=', filter.minPrice));
  if (filter.maxPrice != null) conditions.push(compare('price', '<=', filter.maxPrice));
  return conditions;
}
