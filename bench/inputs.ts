// Variables of the bench operations: random ones for the load (from a deterministic PRNG, so both
// servers get the same sequence) and fixed ones for the equivalence check.
import { NAME_PARTS, pick, randInt, skuOf, type Dataset } from './common.ts';

/** What a request body may depend on besides the PRNG. */
export interface WorkloadContext {
  /** The data set's scale (bench/common.ts dataset()): the id ranges to draw from. */
  readonly scale: number;
  /** Cursors of the users list at random depths, taken from the list itself (bench/cursors.ts); DeepPage needs them. */
  readonly userCursors: readonly string[];
}

export interface PlaceOrderInput {
  userId: string;
  items: { productId: string; quantity: number }[];
}

/** A random order: user 51..N (keeps Dashboard's users 1..50 stable), 1-3 distinct products, quantity 1-3. */
export function randomOrderInput(rand: () => number, set: Dataset): PlaceOrderInput {
  const lines = randInt(rand, 1, 3);
  const products = new Set<number>();
  while (products.size < lines) products.add(randInt(rand, 1, set.products));
  return {
    userId: String(randInt(rand, 51, set.users)),
    items: [...products].map((p) => ({ productId: String(p), quantity: randInt(rand, 1, 3) })),
  };
}

export interface SearchInput {
  search: string;
  inStock?: boolean;
  minPrice?: string;
}

/**
 * A search box as users type it:
 * - 40% a word of the product names ("Lamp", "eco"): about 10% of all products match,
 *   so the page is full and the count has to be computed;
 * - 40% a product's sku ("SKU-001234"): one product (none if the price filter drops it),
 *   so the first page proves the count;
 * - 20% a name word and two digits ("Mug 42"): a handful, more at larger scales.
 * Half of them add inStock: true, half minPrice between 1.00 and 500.00.
 */
export function randomSearchInput(rand: () => number, set: Dataset): SearchInput {
  const r = rand();
  const word = pick(rand, rand() < 0.5 ? NAME_PARTS.noun : NAME_PARTS.adjective);
  const search =
    r < 0.4 ? (rand() < 0.5 ? word : word.toLowerCase())
      : r < 0.8 ? skuOf(randInt(rand, 1, set.products))
        : `${pick(rand, NAME_PARTS.noun)} ${randInt(rand, 10, 99)}`;
  const input: SearchInput = { search };
  if (rand() < 0.5) input.inStock = true;
  if (rand() < 0.5) input.minPrice = `${randInt(rand, 1, 500)}.00`;
  return input;
}

export const ORDER_STATUSES = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'] as const;

export function randomOrderListInput(rand: () => number): { status: string } {
  return { status: pick(rand, ORDER_STATUSES) };
}

/** A random user's profile, with its last orders three times in four. */
export function randomClientInput(rand: () => number, set: Dataset): { id: string; withOrders: boolean } {
  return { id: String(randInt(rand, 1, set.users)), withOrders: rand() < 0.75 };
}

/** A page of 20 users after one of the walked cursors (a random depth of the list). */
export function randomDeepPageInput(rand: () => number, ctx: WorkloadContext): { first: number; after: string } {
  if (ctx.userCursors.length === 0) throw new Error('DeepPage needs cursors of the users list (bench/cursors.ts walkUserCursors)');
  return { first: 20, after: pick(rand, ctx.userCursors) };
}

// ---- Fixed inputs for the equivalence check (bench/equivalence.ts) ----

/** Users for UserById and ClientDocument: the first, Dashboard's last, some in the middle, the last. */
export function checkUserIds(set: Dataset): string[] {
  return [1, 2, 50, 777, 4242, set.users - 1, set.users].map(String);
}

/** PlaceOrder inputs. Users 1..50 are left alone (Dashboard reads them). */
export function checkOrderInputs(set: Dataset): PlaceOrderInput[] {
  return [
    { userId: String(set.users - 1000), items: [{ productId: '7', quantity: 2 }] },
    { userId: String(set.users - 999), items: [{ productId: String(set.products - 1), quantity: 1 }, { productId: '3', quantity: 3 }] },
    {
      userId: String(set.users),
      items: [
        { productId: '500', quantity: 1 },
        { productId: String(set.products), quantity: 2 },
        { productId: '1', quantity: 3 },
      ],
    },
  ];
}

/**
 * Searches covering the cases a plan can get wrong: many matches (a full page and a
 * count), one, none, a price filter that removes all, case-insensitivity, and
 * `%`/`_`, which must match themselves (no seeded name or sku contains them).
 */
export function checkSearchInputs(set: Dataset): SearchInput[] {
  return [
    { search: 'Lamp' },
    { search: 'lamp', inStock: true, minPrice: '100.00' },
    { search: 'Eco', minPrice: '990.00' },
    { search: skuOf(123) },
    { search: skuOf(set.products), inStock: true },
    { search: skuOf(123), minPrice: '999.99' },
    { search: 'Mug 42' },
    { search: 'Red Mug', inStock: true },
    { search: 'zzz' },
    { search: '100%' },
    { search: '_' },
    { search: 'Lamp', inStock: false },
    { search: 'a', minPrice: '500.00' },
  ];
}

export function checkClientInputs(set: Dataset): { id: string; withOrders: boolean }[] {
  return checkUserIds(set).flatMap((id) => [{ id, withOrders: true }, { id, withOrders: false }]);
}

/** DeepPage checks: the first page, pages after walked cursors, the last page (empty), first: 0 and 100. */
export function checkDeepPageInputs(ctx: WorkloadContext): { first: number; after: string | null }[] {
  const cursors = ctx.userCursors;
  const some = [cursors[0], cursors[Math.floor(cursors.length / 2)], cursors.at(-1)].filter((c): c is string => c !== undefined);
  return [
    { first: 20, after: null },
    ...some.map((after) => ({ first: 20, after })),
    ...some.slice(0, 1).flatMap((after) => [{ first: 0, after }, { first: 100, after }]),
  ];
}
