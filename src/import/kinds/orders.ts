// Orders, one row an order with its items. Each goes through placeOrder's
// rules: validatePlaceOrder (1-100 lines, quantities > 0, lines of one product
// merged), then priceOrderLines over the batch's products locked FOR UPDATE
// in ascending id order (as placeOrder locks them, so the two never deadlock)
// with the stock earlier rows of the batch took, and the stock taken once for
// the batch. --historical orders keep their stated status, date and unit
// prices, leave stock alone, and a stated total must match the items.
// The key --on-conflict applies to is an explicit `id`; rows without one are
// always new orders.
import { ConflictError, NotFoundError, notFoundMessage, BadUserInputError } from '../../errors.ts';
import { priceOrderLines, validatePlaceOrder, type PricedProduct } from '../../orders/place-order.ts';
import { adjustStockQuery, lockProductsForUpdateWithClock } from '../../products/product.writes.ts';
import type { SqlSession } from '../../db/direct.ts';
import { chunk, compareIds } from '../../db/sql-helpers.ts';
import { toRowError } from '../fields.ts';
import { matchKeys, type KeyMatch } from '../match-keys.ts';
import { findExistingIds, findProducts, insertOrders, replaceOrders, type OrderToWrite } from '../order-import.writes.ts';
import type { ImportOptions, RowOutcome } from '../types.ts';
import { planUpserts, type Keyed } from '../upsert-plan.ts';
import type { KindWriter } from './kind.ts';
import { ORDER_COLUMNS, prepareOrder, type OrderInput } from './order-input.ts';

/** A row on its way: its index in the batch, and what it resolved to once the database was asked. */
interface Pending {
  readonly index: number;
  readonly input: OrderInput;
}

export const ordersKind: KindWriter<OrderInput> = {
  kind: 'orders',
  spec: { columns: ORDER_COLUMNS, required: [['userId', 'userEmail'], 'items'] },
  prepare: prepareOrder,
  write: writeOrders,
};

async function writeOrders(trx: SqlSession, rows: readonly Keyed<OrderInput>[], options: ImportOptions): Promise<RowOutcome[]> {
  const outcomes = new Array<RowOutcome>(rows.length);
  const fail = (index: number, error: unknown, field?: string) => {
    const rowError = toRowError(error, rows[index]!.line);
    outcomes[index] = field && rowError.field === null ? { ...rowError, field } : rowError;
  };

  // 1. The explicit ids against stored orders and each other; --on-conflict decides.
  const keyed = rows.map((row, index) => ({ line: row.line, value: { index, input: row.value } as Pending }));
  const stored = await findExistingIds(trx, 'orders', rows.flatMap((row) => (row.value.id === null ? [] : [row.value.id])));
  const plan = planUpserts(keyed, orderMatches(rows, stored), options.historical ? options.onConflict : placedConflict(options), (pending) => conflict(pending.input.id!, options), (_first, last) => last);
  plan.outcomes.forEach((outcome, i) => (outcomes[i] = outcome));
  const updating = new Set(plan.updates.map((update) => update.value.index));
  const toWrite = [...plan.inserts, ...plan.updates.map((update) => update.value)].sort((a, b) => a.index - b.index);
  // Rows sharing an explicit id share the fate of the row written for them
  // (with update, the last one's values stand for all): when it fails, so do
  // those counted inserted or updated with it; skipped or refused ones stay so.
  const sameId = new Map<string, number[]>();
  rows.forEach((row, i) => {
    if (row.value.id !== null) sameId.set(row.value.id, [...(sameId.get(row.value.id) ?? []), i]);
  });
  const failGroup = (index: number, error: unknown, field?: string) => {
    const id = rows[index]!.value.id;
    for (const member of id === null ? [index] : sameId.get(id)!) {
      if (member === index || outcomes[member] === 'inserted' || outcomes[member] === 'updated') fail(member, error, field);
    }
  };

  // 2. Users and products named by their unique key, then placeOrder's input rules.
  const resolved = await resolveRefs(trx, toWrite, failGroup);
  const checked: { pending: Pending; userId: string; lines: { productId: string; quantity: number }[]; prices: Map<string, string> }[] = [];
  for (const { pending, userId, items } of resolved) {
    try {
      const { lines } = validatePlaceOrder({ userId, items: items.map((item) => ({ productId: item.productId, quantity: item.quantity })) });
      checked.push({ pending, userId, lines, prices: unitPrices(items) });
    } catch (error) {
      failGroup(pending.index, error);
    }
  }

  // 3. The users must exist (placeOrder leaves this to the foreign key, which would fail the whole batch here).
  const users = await findExistingIds(trx, 'users', checked.map((row) => row.userId));
  const known = checked.filter((row) => users.has(row.userId));
  for (const row of checked) {
    if (!users.has(row.userId)) failGroup(row.pending.index, new NotFoundError(notFoundMessage('user', row.userId)), 'userId');
  }

  // 4. The products: locked for placed orders (their stock is taken), read for past ones.
  const productIds = [...new Set(known.flatMap((row) => row.lines.map((line) => line.productId)))];
  const products = new Map<string, PricedProduct>();
  if (options.historical) {
    for (const product of await findProducts(trx, productIds)) products.set(product.id, product);
  } else {
    // Ascending ids across chunks too, so the lock order stays placeOrder's.
    for (const part of chunk(productIds.sort(compareIds), 5000)) {
      for (const product of (await lockProductsForUpdateWithClock(trx, part, false)).products) products.set(product.id, { ...product, stock: Number(product.stock) });
    }
  }

  // 5. placeOrder's stock and money rules, row after row, each seeing the stock the rows before it took.
  const inserts: OrderToWrite[] = [];
  const replaces: OrderToWrite[] = [];
  const taken = new Map<string, number>();
  for (const row of known) {
    const { pending, userId, lines, prices } = row;
    try {
      const view = options.historical ? withPrices(products, prices) : products;
      const { items, total } = priceOrderLines(lines, view, { checkStock: !options.historical });
      if (pending.input.total !== null && pending.input.total !== total) {
        throw new BadUserInputError(`total "${pending.input.total}" does not match the items, which add up to "${total}"`, 'total');
      }
      if (!options.historical) {
        for (const line of lines) {
          const product = products.get(line.productId)!;
          products.set(line.productId, { ...product, stock: Number(product.stock) - line.quantity });
          taken.set(line.productId, (taken.get(line.productId) ?? 0) + line.quantity);
        }
      }
      const order: OrderToWrite = {
        id: pending.input.id,
        userId,
        status: pending.input.status,
        total,
        createdAt: pending.input.createdAt,
        items,
      };
      (updating.has(pending.index) ? replaces : inserts).push(order);
    } catch (error) {
      failGroup(pending.index, error, 'items');
    }
  }

  // 6. The writes, all in the caller's transaction.
  await insertOrders(trx, inserts);
  if (replaces.length > 0) await replaceOrders(trx, replaces);
  if (taken.size > 0) {
    const changes = [...taken].map(([productId, quantity]) => ({ productId, delta: -quantity }));
    for (const part of chunk(changes, 5000)) await trx.executeQuery(adjustStockQuery(part, false));
  }
  return outcomes;
}

function conflict(id: string, options: ImportOptions): ConflictError {
  return options.onConflict === 'update' && !options.historical
    ? new ConflictError(`id "${id}" is already used by another order; --on-conflict update replaces orders only with --historical (a placed order has taken its stock)`, 'id')
    : new ConflictError(`id "${id}" is already used by another order`, 'id');
}

/** --on-conflict for placed orders: update cannot apply (their stock was taken), so such a duplicate fails. */
function placedConflict(options: ImportOptions) {
  return options.onConflict === 'update' ? 'fail' : options.onConflict;
}

/** KeyMatch for each row by its explicit id: taken when stored, grouped with the first row of the same id. */
function orderMatches(rows: readonly Keyed<OrderInput>[], stored: ReadonlySet<string>): KeyMatch[] {
  const firstOf = new Map<string, number>();
  return rows.map((row, i) => {
    const id = row.value.id;
    if (id === null) return { existingId: null, first: i };
    if (!firstOf.has(id)) firstOf.set(id, i);
    return { existingId: stored.has(id) ? id : null, first: firstOf.get(id)! };
  });
}

interface ResolvedRow {
  pending: Pending;
  userId: string;
  items: { productId: string; quantity: number; unitPrice: string | null; at: number }[];
}

/** userEmail and sku references turned into ids (one statement each for the batch); unknown ones fail their row. */
async function resolveRefs(trx: SqlSession, rows: readonly Pending[], fail: (index: number, error: unknown, field?: string) => void): Promise<ResolvedRow[]> {
  const emails = rows.flatMap((row) => ('key' in row.input.user ? [row.input.user.key] : []));
  const skus = rows.flatMap((row) => row.input.items.flatMap((item) => ('key' in item.product ? [item.product.key] : [])));
  const emailIds = await idsByKey(trx, 'users.email', emails);
  const skuIds = await idsByKey(trx, 'products.sku', skus);
  const resolved: ResolvedRow[] = [];
  for (const pending of rows) {
    const { user, items } = pending.input;
    const userId = 'id' in user ? user.id : emailIds.get(user.key);
    if (userId === undefined) {
      fail(pending.index, new NotFoundError(`No user with email ${JSON.stringify('key' in user ? user.key : '')}`), 'userEmail');
      continue;
    }
    const missing = items.findIndex((item) => 'key' in item.product && !skuIds.has(item.product.key));
    if (missing !== -1) {
      const item = items[missing]!.product as { key: string };
      fail(pending.index, new NotFoundError(`No product with sku ${JSON.stringify(item.key)}`), `items[${missing}].sku`);
      continue;
    }
    resolved.push({
      pending,
      userId,
      items: items.map((item, at) => ({
        productId: 'id' in item.product ? item.product.id : skuIds.get(item.product.key)!,
        quantity: item.quantity,
        unitPrice: item.unitPrice,
        at,
      })),
    });
  }
  return resolved;
}

/** Each distinct key's id, matched by the database's collation (see matchKeys). */
async function idsByKey(trx: SqlSession, name: 'users.email' | 'products.sku', keys: readonly string[]): Promise<Map<string, string>> {
  const distinct = [...new Set(keys)];
  const matches = await matchKeys(trx, name, distinct);
  const ids = new Map<string, string>();
  matches.forEach((match, i) => {
    if (match.existingId !== null) ids.set(distinct[i]!, match.existingId);
  });
  return ids;
}

/** A past order's unit prices by product; two lines of one product must agree (they are merged into one item). */
function unitPrices(items: ResolvedRow['items']): Map<string, string> {
  const prices = new Map<string, string>();
  for (const item of items) {
    if (item.unitPrice === null) continue;
    const earlier = prices.get(item.productId);
    if (earlier !== undefined && earlier !== item.unitPrice) {
      throw new BadUserInputError(
        `items[${item.at}].unitPrice "${item.unitPrice}" differs from "${earlier}" of an earlier line of the same product; lines of one product are merged`,
        `items[${item.at}].unitPrice`,
      );
    }
    prices.set(item.productId, item.unitPrice);
  }
  return prices;
}

/** The products as a past order saw them: at the prices it paid, where it states them. */
function withPrices(products: ReadonlyMap<string, PricedProduct>, prices: ReadonlyMap<string, string>): ReadonlyMap<string, PricedProduct> {
  if (prices.size === 0) return products;
  const view = new Map(products);
  for (const [id, price] of prices) {
    const product = products.get(id);
    if (product) view.set(id, { ...product, price });
  }
  return view;
}

