// One order row as read, before the database is asked anything: placeOrder's
// PlaceOrderInput (a user and 1-100 items), the user and the products named by
// id or by their unique key (userEmail, sku), an optional explicit order id
// (the key --on-conflict applies to), and for --historical orders their
// status, createdAt, items' unitPrice and a total to check.
import type { OrderStatus } from '../../db/database.ts';
import { BadUserInputError } from '../../errors.ts';
import { MAX_ORDER_LINES } from '../../orders/place-order.ts';
import { parseDateTimeInput, parseDecimalInput, parseId } from '../../values.ts';
import { has, idText, int, json, optionalText } from '../fields.ts';
import type { ImportOptions } from '../types.ts';

export const ORDER_COLUMNS = ['id', 'userId', 'userEmail', 'items', 'total', 'status', 'createdAt'] as const;
const STATUSES: readonly OrderStatus[] = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'];
/** Columns only a past order has: a placed order starts PENDING, now, at today's prices. */
const HISTORICAL_ONLY = ['status', 'createdAt'] as const;

export type Ref = { readonly id: string } | { readonly key: string };

export interface OrderItemInput {
  readonly product: Ref;
  readonly quantity: number;
  /** --historical: the price paid; otherwise (and when absent) the product's price. */
  readonly unitPrice: string | null;
}

export interface OrderInput {
  /** The explicit order id, or null for a new id. */
  readonly id: string | null;
  readonly user: Ref;
  readonly items: readonly OrderItemInput[];
  readonly status: OrderStatus;
  /** Database form ("2026-11-24 10:00:00.000"), or null for now. */
  readonly createdAt: string | null;
  /** The total the file states, checked against the items; null when absent. */
  readonly total: string | null;
}

export function prepareOrder(values: Record<string, unknown>, options: ImportOptions): OrderInput {
  if (!options.historical) {
    for (const key of HISTORICAL_ONLY) {
      if (has(values, key)) {
        throw new BadUserInputError(`${key} is read only with --historical (a placed order starts PENDING, now)`, key);
      }
    }
  }
  const id = has(values, 'id') ? parseId(idText(values.id, 'id'), 'id') : null;
  const user = ref(values, 'userId', 'userEmail');
  const items = readItems(json(values, 'items'), options);
  const statusText = optionalText(values, 'status');
  const status = statusText === undefined ? 'PENDING' : checkStatus(statusText);
  const createdAt = has(values, 'createdAt') ? parseDateTime(values.createdAt) : null;
  const total = has(values, 'total') ? parseDecimalInput(values.total, 'total') : null;
  return { id, user, items, status, createdAt, total };
}

/** A reference by id (`idKey`) or by unique key (`keyKey`): exactly one of them. */
function ref(values: Record<string, unknown>, idKey: string, keyKey: string, prefix = ''): Ref {
  const byId = has(values, idKey);
  const byKey = has(values, keyKey);
  if (byId === byKey) {
    throw new BadUserInputError(
      byId ? `${prefix}${idKey} and ${prefix}${keyKey} are both given; give one of them` : `${prefix}${idKey} or ${prefix}${keyKey} is required`,
      `${prefix}${idKey}`,
    );
  }
  if (byId) return { id: idText(values[idKey], `${prefix}${idKey}`) };
  const key = values[keyKey];
  if (typeof key !== 'string') throw new BadUserInputError(`${prefix}${keyKey} must be text, but got ${JSON.stringify(key)}`, `${prefix}${keyKey}`);
  return { key: key.trim() };
}

function readItems(value: unknown, options: ImportOptions): OrderItemInput[] {
  if (!Array.isArray(value)) {
    throw new BadUserInputError(`items must be a JSON array of {"productId" or "sku", "quantity"}, but got ${JSON.stringify(value)}`, 'items');
  }
  // The count rule is placeOrder's (validatePlaceOrder); checked first here so a huge array is not read item by item.
  if (value.length > MAX_ORDER_LINES) {
    throw new BadUserInputError(`items must hold 1 to ${MAX_ORDER_LINES} lines, but got ${value.length}`, 'items');
  }
  return value.map((item: unknown, i) => {
    const at = `items[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new BadUserInputError(`${at} must be an object such as {"productId":"1","quantity":2}, but got ${JSON.stringify(item)}`, at);
    }
    const values = item as Record<string, unknown>;
    if (!options.historical && has(values, 'unitPrice')) {
      throw new BadUserInputError(`${at}.unitPrice is read only with --historical (a placed order pays today's price)`, `${at}.unitPrice`);
    }
    const unitPrice = has(values, 'unitPrice') ? parseDecimalInput(values.unitPrice, `${at}.unitPrice`) : null;
    if (unitPrice?.startsWith('-')) throw new BadUserInputError(`${at}.unitPrice must be 0 or more, but got "${unitPrice}"`, `${at}.unitPrice`);
    return { product: ref(values, 'productId', 'sku', `${at}.`), quantity: int(values.quantity, `${at}.quantity`), unitPrice };
  });
}

function checkStatus(value: string): OrderStatus {
  const status = value.trim().toUpperCase() as OrderStatus;
  if (!STATUSES.includes(status)) {
    throw new BadUserInputError(`status must be one of ${STATUSES.join(', ')}, but got ${JSON.stringify(value)}`, 'status');
  }
  return status;
}

/** The DateTime scalar's rule, naming the column. */
function parseDateTime(value: unknown): string {
  try {
    return parseDateTimeInput(value);
  } catch (error) {
    if (error instanceof BadUserInputError) throw new BadUserInputError(`createdAt: ${error.message}`, 'createdAt');
    throw error;
  }
}
