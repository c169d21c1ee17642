// The baseline's answers to the filtered lists with a count: the search box and the order list.
import { encodeCursor, toIsoUtc } from './common.ts';
import { containsPattern, GraphQLError, groupBy, POINT, pool, sql, type Json, type Param } from './baseline-db.ts';
import { orderItemsWithProducts } from './baseline-reads.ts';
import { ORDER_STATUSES } from './inputs.ts';

const SEARCH_PAGE = 20;

/** `minPrice` as the Decimal scalar accepts it: a string or number with at most two decimals, >= 0. */
function decimal(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,10}(\.\d{1,2})?$/.test(text)) throw new GraphQLError('minPrice must be a Decimal.', 'BAD_USER_INPUT');
  return text;
}

/**
 * SearchBox. The substring search cannot use an index (`LIKE '%...%'`), so each evaluation of
 * the filter reads the products until it has what it needs. The page goes first, LIMIT 21:
 * - when it holds 20 or fewer rows it has read every match, so it IS the count: no COUNT
 *   (a search for one product's sku reads the table once, not twice);
 * - otherwise the COUNT follows. The page stopped early (it needed only 21 matches), so
 *   running the two one after the other adds little latency, and starting the COUNT beside
 *   the page on a second connection would read the whole table twice for the narrow searches.
 */
export async function searchBox(vars: Json): Promise<Json> {
  if (typeof vars.search !== 'string') throw new GraphQLError('search must be a String.', 'BAD_USER_INPUT');
  const conditions: string[] = [];
  const params: Param[] = [];
  if (vars.search !== '') {
    const pattern = containsPattern(vars.search);
    conditions.push("(name LIKE ? ESCAPE '!' OR sku LIKE ? ESCAPE '!')");
    params.push(pattern, pattern);
  }
  if (vars.inStock === true) conditions.push('stock > 0');
  if (vars.inStock === false) conditions.push('stock = 0');
  if (vars.minPrice !== undefined && vars.minPrice !== null) {
    conditions.push('price >= ?');
    params.push(decimal(vars.minPrice));
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = await sql(POINT, pool, `SELECT id, name, price, stock FROM products ${where} ORDER BY id LIMIT ${SEARCH_PAGE + 1}`, params);
  const hasNextPage = rows.length > SEARCH_PAGE;
  const totalCount = hasNextPage
    ? Number((await sql(POINT, pool, `SELECT COUNT(*) AS n FROM products ${where}`, params))[0]?.n)
    : rows.length;
  const page = rows.slice(0, SEARCH_PAGE);
  const last = page.at(-1);
  return {
    products: {
      totalCount,
      pageInfo: { hasNextPage, endCursor: last ? encodeCursor('Product', last.id) : null },
      nodes: page.map((p) => ({ id: p.id, name: p.name, price: p.price, stock: p.stock })),
    },
  };
}

const ORDER_PAGE = 100;

/**
 * OrderList. The COUNT and the page do not depend on each other and a status always has far
 * more than 100 orders here (so the page never proves the count), so they run at once on two
 * connections. The page reads the orders by primary key until it has 100 of the status and
 * joins each one's user (one primary-key read per order, in the same statement). Then one
 * statement for the items with their products. Two round trips on the critical path.
 */
export async function orderList(vars: Json): Promise<Json> {
  const status = vars.status ?? null;
  if (status !== null && !ORDER_STATUSES.includes(status as (typeof ORDER_STATUSES)[number])) {
    throw new GraphQLError('status must be an OrderStatus.', 'BAD_USER_INPUT');
  }
  const where = status === null ? '' : 'WHERE status = ?';
  const params: Param[] = status === null ? [] : [status as string];
  const [counted, orders] = await Promise.all([
    sql(POINT, pool, `SELECT COUNT(*) AS n FROM orders ${where}`, params),
    sql(
      POINT,
      pool,
      // A derived table keeps the plan "page of orders first, then their users": the LIMIT applies before the join.
      `SELECT o.id, o.status, o.total, o.created_at, o.user_id, u.name AS user_name
       FROM (SELECT id, user_id, status, total, created_at FROM orders ${where} ORDER BY id LIMIT ${ORDER_PAGE}) o
       JOIN users u ON u.id = o.user_id
       ORDER BY o.id`,
      params,
    ),
  ]);
  // Exactly 100 ids for every full page: one statement text, so preparing it once per connection pays.
  const items = await orderItemsWithProducts(orders.map((o) => String(o.id)), POINT);
  const byOrder = groupBy(items, (i) => String(i.order_id));
  return {
    orders: {
      totalCount: Number(counted[0]?.n),
      nodes: orders.map((o) => ({
        id: o.id,
        status: o.status,
        total: o.total,
        createdAt: toIsoUtc(o.created_at),
        user: { id: o.user_id, name: o.user_name },
        items: (byOrder.get(String(o.id)) ?? []).map((i) => ({ quantity: i.quantity, unitPrice: i.unit_price, product: { id: i.product_id, name: i.name } })),
      })),
    },
  };
}
