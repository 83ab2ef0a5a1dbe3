import { seedSql } from "./seed.js";

/**
 * The sample shop the demo answers questions about: customers, products, orders and their items (the service's
 * own tables are in run-store.ts). Deterministic (seed.ts): the same shop on every first start, with dates
 * counted back from the day of seeding.
 */
export const SCHEMA_SQL = `
CREATE TABLE customers (
  customer_id integer PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  country text NOT NULL,
  signed_up_at date NOT NULL
);
CREATE TABLE products (
  product_id integer PRIMARY KEY,
  name text NOT NULL,
  category text NOT NULL,
  price numeric(10, 2) NOT NULL
);
CREATE TABLE orders (
  order_id integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers,
  status text NOT NULL,
  ordered_at date NOT NULL
);
CREATE TABLE order_items (
  order_id integer NOT NULL REFERENCES orders,
  product_id integer NOT NULL REFERENCES products,
  quantity integer NOT NULL,
  unit_price numeric(10, 2) NOT NULL,
  PRIMARY KEY (order_id, product_id)
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX order_items_product ON order_items (product_id);
`;

/** The sample shop's rows (seed.ts): deterministic, dates relative to the day of seeding. */
export const SEED_SQL = seedSql();

/** What the planner and the demo model know of the schema (the tables a question may use). */
export const SCHEMA_DESCRIPTION = `customers(customer_id, name, email, country, signed_up_at)
products(product_id, name, category, price)
orders(order_id, customer_id, status, ordered_at)  -- status: delivered, shipped, cancelled, pending
order_items(order_id, product_id, quantity, unit_price)`;
