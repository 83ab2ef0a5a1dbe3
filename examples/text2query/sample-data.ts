/**
 * The sample shop the demo answers questions about: customers, products, orders and their items (the service's
 * own tables are in run-store.ts). Deterministic: the same data on every first start, generated in SQL so
 * seeding takes well under a second.
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

const COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES"];
const CATEGORIES = ["books", "electronics", "garden", "kitchen", "toys"];

export const SEED_SQL = `
INSERT INTO customers
SELECT g,
       (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken','Margaret','Linus'])[1 + g % 10] || ' ' ||
       (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Thompson','Hamilton','Torvalds'])[1 + (g / 10) % 10] || ' ' || g,
       'customer' || g || '@example.com',
       (ARRAY[${COUNTRIES.map((c) => `'${c}'`).join(",")}])[1 + ((g * 7) % 17) % ${COUNTRIES.length}],
       DATE '2023-01-01' + (g * 37) % 700
FROM generate_series(1, 600) g;

INSERT INTO products
SELECT g,
       (ARRAY['Deluxe','Classic','Compact','Pro','Eco'])[1 + g % 5] || ' ' ||
       (ARRAY['Lamp','Kettle','Novel','Drone','Rake','Puzzle','Blender','Headphones','Planter','Robot'])[1 + (g / 5) % 10],
       (ARRAY[${CATEGORIES.map((c) => `'${c}'`).join(",")}])[1 + g % ${CATEGORIES.length}],
       round((5 + (g * 13) % 195 + (g % 100) / 100.0)::numeric, 2)
FROM generate_series(1, 60) g;

INSERT INTO orders
SELECT g,
       1 + (g * 31) % 600,
       (ARRAY['delivered','delivered','delivered','shipped','cancelled','pending'])[1 + (g * 11) % 6],
       DATE '2024-01-01' + (g * 17) % 640
FROM generate_series(1, 6000) g;

INSERT INTO order_items
SELECT o, 1 + (o * k * 7 + k) % 60, 1 + (o + k) % 4, p.price
FROM generate_series(1, 6000) o
CROSS JOIN generate_series(1, 3) k
JOIN products p ON p.product_id = 1 + (o * k * 7 + k) % 60
WHERE k <= 1 + o % 3
ON CONFLICT DO NOTHING;
`;

/** What the planner and the demo model know of the schema (the tables a question may use). */
export const SCHEMA_DESCRIPTION = `customers(customer_id, name, email, country, signed_up_at)
products(product_id, name, category, price)
orders(order_id, customer_id, status, ordered_at)  -- status: delivered, shipped, cancelled, pending
order_items(order_id, product_id, quantity, unit_price)`;
