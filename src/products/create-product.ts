// createProduct's rules: an sku of 1-64 letters, digits, `-`, `_` or `.`, a
// trimmed name of 1-200 characters, a price >= 0 with at most two decimals
// (the Decimal scalar has already refused more) and a stock >= 0. Uniqueness
// of the sku is left to the unique index (see insertProduct).
import { requireAccess } from '../access.ts';
import type { ProductRow } from '../db/database.ts';
import type { Viewer } from '../viewer.ts';
import type { SqlSession } from '../db/direct.ts';
import { BadUserInputError } from '../errors.ts';
import { parseDecimalInput } from '../values.ts';
import { checkInt, checkText } from '../validation.ts';
import { findProductsByIds } from './product.repository.ts';
import { insertProduct, MAX_STOCK, type NewProduct } from './product.writes.ts';

const SKU = /^[A-Za-z0-9._-]+$/;

export function validateCreateProduct(input: NewProduct): NewProduct {
  const { sku } = input;
  const skuLength = [...sku].length;
  if (skuLength < 1 || skuLength > 64) {
    throw new BadUserInputError(`input.sku must be 1 to 64 characters long, but got ${skuLength}`, 'input.sku');
  }
  if (!SKU.test(sku)) {
    throw new BadUserInputError(`input.sku may hold only letters, digits, "-", "_" and ".", but got ${JSON.stringify(sku)}`, 'input.sku');
  }
  const name = checkText(input.name, 'input.name', 1, 200);
  const price = parseDecimalInput(input.price, 'input.price');
  if (price.startsWith('-')) {
    throw new BadUserInputError(`input.price must be 0 or more, but got "${price}"`, 'input.price');
  }
  const stock = checkInt(input.stock, 'input.stock', 0, MAX_STOCK);
  return { sku, name, price, stock };
}

export async function createProduct(db: SqlSession, input: NewProduct, viewer: Viewer): Promise<ProductRow> {
  requireAccess(viewer, 'createProduct');
  const values = validateCreateProduct(input);
  const id = await insertProduct(db, values);
  const [row] = await findProductsByIds(db, [id]);
  if (!row) throw new Error(`product ${id} vanished right after its insert`);
  return row;
}
