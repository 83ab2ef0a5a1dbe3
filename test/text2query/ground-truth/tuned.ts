import type { GroundTruthCase } from "./compare.js";

/** The questions the demo model was tuned on (conventions as in held-out.ts). */
export const TUNED: readonly GroundTruthCase[] = [
  { question: "How many orders are there?", sql: "SELECT count(*) FROM orders" },
  { question: "How many delivered orders are there?", sql: "SELECT count(*) FROM orders WHERE status = 'delivered'" },
  { question: "How many orders per status?", sql: "SELECT status, count(*) FROM orders GROUP BY status" },
  {
    question: "Top 5 customers by revenue",
    sql: "SELECT c.name, sum(oi.quantity * oi.unit_price) AS r FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.customer_id, c.name ORDER BY r DESC LIMIT 5",
    ordered: true,
  },
  {
    question: "Revenue by month",
    sql: "SELECT date_trunc('month', o.ordered_at), sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY 1",
  },
  {
    question: "Best-selling products",
    sql: "SELECT p.name, sum(oi.quantity) AS u FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY p.product_id, p.name ORDER BY u DESC LIMIT 10",
    ordered: true,
  },
  {
    question: "Revenue by category",
    sql: "SELECT p.category, sum(oi.quantity * oi.unit_price) FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY p.category",
  },
  { question: "How many customers in DE?", sql: "SELECT count(*) FROM customers WHERE country = 'DE'" },
  { question: "Customers by country", sql: "SELECT country, count(*) FROM customers GROUP BY country" },
  { question: "How many orders since 2025?", sql: "SELECT count(*) FROM orders WHERE ordered_at >= DATE '2025-01-01'" },
  {
    question: "What is the average order value?",
    sql: "SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY o.order_id) x",
  },
  { question: "Customers who never ordered", sql: "SELECT c.name FROM customers c LEFT JOIN orders o USING (customer_id) WHERE o.order_id IS NULL" },
  {
    question: "Orders per month this year",
    sql: "SELECT date_trunc('month', ordered_at), count(*) FROM orders WHERE ordered_at >= date_trunc('year', current_date) GROUP BY 1",
  },
  {
    question: "Revenue last month",
    sql: "SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' AND o.ordered_at >= date_trunc('month', current_date) - interval '1 month' AND o.ordered_at < date_trunc('month', current_date)",
  },
  {
    question: "Which 3 products brought in the most revenue?",
    sql: "SELECT p.name, sum(oi.quantity * oi.unit_price) AS r FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY p.product_id, p.name ORDER BY r DESC LIMIT 3",
    ordered: true,
  },
  {
    question: "Average order value by country",
    sql: "SELECT country, avg(t) FROM (SELECT c.country, sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY o.order_id, c.country) x GROUP BY country",
  },
  { question: "How many cancelled orders do we have?", sql: "SELECT count(*) FROM orders WHERE status = 'cancelled'" },
  { question: "Number of products in each category", sql: "SELECT category, count(*) FROM products GROUP BY category" },
  { question: "Cheapest product", sql: "SELECT name, price FROM products ORDER BY price ASC LIMIT 1", ordered: true },
  { question: "How many new customers signed up this year?", sql: "SELECT count(*) FROM customers WHERE signed_up_at >= date_trunc('year', current_date)" },
  {
    question: "Units sold per category last year",
    sql: "SELECT p.category, sum(oi.quantity) FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' AND o.ordered_at >= date_trunc('year', current_date) - interval '1 year' AND o.ordered_at < date_trunc('year', current_date) GROUP BY p.category",
  },
  { question: "Products that were never sold", sql: "SELECT name FROM products p WHERE NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.product_id)" },
  { question: "Orders in the last 7 days", sql: "SELECT count(*) FROM orders WHERE ordered_at >= current_date - 7" },
  {
    question: "Revenue from customers in Japan",
    sql: "SELECT sum(oi.quantity * oi.unit_price) FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' AND c.country = 'JP'",
  },
  { question: "Percentage of orders that were cancelled", sql: "SELECT 100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*) FROM orders" },
  {
    question: "Which customers placed the most orders?",
    sql: "SELECT c.name, count(*) AS n FROM customers c JOIN orders o USING (customer_id) GROUP BY c.customer_id, c.name ORDER BY n DESC, c.name LIMIT 10",
  },
  { question: "How many customers ordered more than 20 times?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 20) t" },
  { question: "Which country has the most customers?", sql: "SELECT country, count(*) AS n FROM customers GROUP BY country ORDER BY n DESC LIMIT 1", ordered: true },
  {
    question: "What are our top selling categories?",
    sql: "SELECT p.category, sum(oi.quantity) AS u FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY p.category ORDER BY u DESC",
    ordered: true,
  },
  {
    question: "How many customers ordered last month?",
    sql: "SELECT count(DISTINCT customer_id) FROM orders WHERE ordered_at >= date_trunc('month', current_date) - interval '1 month' AND ordered_at < date_trunc('month', current_date)",
  },
  {
    question: "Who is our best customer?",
    sql: "SELECT c.name, sum(oi.quantity * oi.unit_price) AS r FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.customer_id, c.name ORDER BY r DESC LIMIT 1",
    ordered: true,
  },
  {
    question: "How many items were sold last month?",
    sql: "SELECT sum(oi.quantity) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' AND o.ordered_at >= date_trunc('month', current_date) - interval '1 month' AND o.ordered_at < date_trunc('month', current_date)",
  },
  { question: "How many orders were placed yesterday?", sql: "SELECT count(*) FROM orders WHERE ordered_at = current_date - 1" },
];
