// Table types of the Database interface Kysely checks every query against.
// DECIMAL, BIGINT and DATETIME come back from mysql2 as strings (see pool.ts):
// money and ids stay exact, dates stay UTC.
import type { ColumnType, Selectable } from 'kysely';

/** AUTO_INCREMENT BIGINT UNSIGNED id: read as a decimal string, never updated. */
type Id = ColumnType<string, string | undefined, never>;
/** DATETIME(3) in UTC: read as "YYYY-MM-DD HH:MM:SS.mmm". */
type Timestamp = ColumnType<string, string | undefined, string>;
/** DECIMAL(12,2): read as "12.50", written as a string. */
type Money = ColumnType<string, string, string>;

export type OrderStatus = 'PENDING' | 'PAID' | 'SHIPPED' | 'CANCELLED';

export interface UsersTable {
  id: Id;
  name: string;
  email: string;
  created_at: Timestamp;
}

export interface ProductsTable {
  id: Id;
  sku: string;
  name: string;
  price: Money;
  stock: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
}

export interface OrdersTable {
  id: Id;
  user_id: ColumnType<string, string, never>;
  status: ColumnType<OrderStatus, OrderStatus | undefined, OrderStatus>;
  total: Money;
  created_at: Timestamp;
}

export interface OrderItemsTable {
  order_id: ColumnType<string, string, never>;
  product_id: ColumnType<string, string, never>;
  quantity: number;
  unit_price: Money;
}

export interface Database {
  users: UsersTable;
  products: ProductsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
}

export type UserRow = Selectable<UsersTable>;
export type ProductRow = Selectable<ProductsTable>;
export type OrderRow = Selectable<OrdersTable>;
export type OrderItemRow = Selectable<OrderItemsTable>;
