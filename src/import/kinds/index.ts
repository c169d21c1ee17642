// The writer of each kind of row.
import type { ImportKind } from '../types.ts';
import type { KindWriter } from './kind.ts';
import { ordersKind } from './orders.ts';
import { productsKind } from './products.ts';
import { usersKind } from './users.ts';

const WRITERS: Record<ImportKind, KindWriter<any>> = { users: usersKind, products: productsKind, orders: ordersKind };

export function writerFor(kind: ImportKind): KindWriter<unknown> {
  return WRITERS[kind];
}
