import { seedSql } from "./seed.js";

/**
 * The sample shop the demo answers questions about: customers, products, orders and their items, plus the
 * service's own tables (query runs kept for replay, per-LLM-call cost events). Deterministic (seed.ts): the same
 * shop on every first start, with dates counted back from the day of seeding.
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

CREATE TABLE query_runs (
  trace_id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  question text NOT NULL,
  user_hash text,
  session_id text,
  intent text,
  confidence double precision,
  sql text,
  row_count integer,
  rows_digest text,
  corrections integer NOT NULL DEFAULT 0,
  outcome text NOT NULL,
  error text,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0,
  duration_ms double precision NOT NULL
);
CREATE INDEX query_runs_outcome ON query_runs (outcome, created_at DESC);
CREATE TABLE llm_cost_events (
  id bigserial PRIMARY KEY,
  trace_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  stage text NOT NULL,
  model text NOT NULL,
  input_tokens integer NOT NULL,
  cached_tokens integer NOT NULL,
  output_tokens integer NOT NULL,
  cost_usd double precision NOT NULL,
  user_hash text
);
CREATE INDEX llm_cost_events_trace ON llm_cost_events (trace_id);
`;

/** The sample shop's rows (seed.ts): deterministic, dates relative to the day of seeding. */
export const SEED_SQL = seedSql();

/** What the planner and the demo model know of the schema (the tables a question may use). */
export const SCHEMA_DESCRIPTION = `customers(customer_id, name, email, country, signed_up_at)
products(product_id, name, category, price)
orders(order_id, customer_id, status, ordered_at)  -- status: delivered, shipped, cancelled, pending
order_items(order_id, product_id, quantity, unit_price)`;
