// OrderFilter as the client sent it -> the repository's filter values, with
// userId checked. Shared by the resolvers and the planner, so both paths
// read the same filter the same way.
import { parseId } from '../scalars.ts';
import type { OrderStatus } from '../db/database.ts';
import type { OrderFilterValues } from './order.repository.ts';

export interface OrderFilterInput {
  status?: OrderStatus | null;
  userId?: string | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
}

export function orderFilterValues(input: OrderFilterInput | null | undefined): OrderFilterValues | null {
  if (!input) return null;
  return {
    status: input.status ?? null,
    userId: input.userId != null ? parseId(input.userId, 'filter.userId') : null,
    createdAfter: input.createdAfter ?? null,
    createdBefore: input.createdBefore ?? null,
  };
}
