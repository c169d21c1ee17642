// What a RestockResult resolves from: the item's product id and either the
// updated row or the item's own error.
import type { ProductRow } from '../db/database.ts';

export interface RestockOutcome {
  productId: string;
  product: ProductRow | null;
  error: { code: string; message: string } | null;
}
