import type { GroundTruthCase } from "./compare.js";

/**
 * HELD-OUT questions: plainly worded, as a newcomer would type them, written down (with their ground-truth SQL)
 * before the demo model was taught to compose SQL, and never tuned on afterwards. The score on this set is the
 * honest measure of how well the demo understands its shop; ground-truth.test.ts asserts its floor.
 *
 * Conventions (the same the generation prompt states): revenue and units sold count orders that were not
 * cancelled; "last month"/"last year" are the previous calendar month/year, "this year" the calendar year to
 * date, "last N days" ordered_at >= current_date - N. `ordered` when the question asks for an order (top N).
 */
export const HELD_OUT: readonly GroundTruthCase[] = [
  { question: "How many customers do we have?", sql: "SELECT count(*) FROM customers" },
  { question: "How many products are there?", sql: "SELECT count(*) FROM products" },
  {
    question: "How many orders were placed last month?",
    sql: "SELECT count(*) FROM orders WHERE ordered_at >= date_trunc('month', current_date) - interval '1 month' AND ordered_at < date_trunc('month', current_date)",
  },
  { question: "Number of orders by status", sql: "SELECT status, count(*) FROM orders GROUP BY status" },
  { question: "What is the total revenue?", sql: "SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled'" },
  {
    question: "What was our revenue this year?",
    sql: "SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' AND o.ordered_at >= date_trunc('year', current_date)",
  },
  {
    question: "Revenue per month",
    sql: "SELECT date_trunc('month', o.ordered_at), sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY 1",
  },
  {
    question: "What are the 5 best selling products?",
    sql: "SELECT p.name, sum(oi.quantity) AS units FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY p.product_id, p.name ORDER BY units DESC LIMIT 5",
    ordered: true,
  },
  {
    question: "Show the top 10 customers by revenue",
    sql: "SELECT c.name, sum(oi.quantity * oi.unit_price) AS revenue FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.customer_id, c.name ORDER BY revenue DESC LIMIT 10",
    ordered: true,
  },
  { question: "Which customers have never placed an order?", sql: "SELECT c.name FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)" },
  { question: "How many customers have never ordered?", sql: "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)" },
  {
    question: "What is our average order value?",
    sql: "SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY o.order_id) x",
  },
  { question: "How many orders did each country place?", sql: "SELECT c.country, count(*) FROM orders o JOIN customers c USING (customer_id) GROUP BY c.country" },
  {
    question: "Revenue by country",
    sql: "SELECT c.country, sum(oi.quantity * oi.unit_price) FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.country",
  },
  {
    question: "Which category brings in the most revenue?",
    sql: "SELECT p.category, sum(oi.quantity * oi.unit_price) AS r FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY p.category ORDER BY r DESC LIMIT 1",
    ordered: true,
  },
  {
    question: "How many units did we sell in the books category?",
    sql: "SELECT sum(oi.quantity) FROM order_items oi JOIN products p USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' AND p.category = 'books'",
  },
  { question: "How many orders are still pending?", sql: "SELECT count(*) FROM orders WHERE status = 'pending'" },
  {
    question: "How many orders were cancelled last year?",
    sql: "SELECT count(*) FROM orders WHERE status = 'cancelled' AND ordered_at >= date_trunc('year', current_date) - interval '1 year' AND ordered_at < date_trunc('year', current_date)",
  },
  {
    question: "Number of new customers per month this year",
    sql: "SELECT date_trunc('month', signed_up_at), count(*) FROM customers WHERE signed_up_at >= date_trunc('year', current_date) GROUP BY 1",
  },
  {
    question: "How many customers signed up last month?",
    sql: "SELECT count(*) FROM customers WHERE signed_up_at >= date_trunc('month', current_date) - interval '1 month' AND signed_up_at < date_trunc('month', current_date)",
  },
  { question: "Which customers are from Germany?", sql: "SELECT name FROM customers WHERE country = 'DE'" },
  { question: "How many customers are in France?", sql: "SELECT count(*) FROM customers WHERE country = 'FR'" },
  { question: "What is the average price of our products?", sql: "SELECT avg(price) FROM products" },
  { question: "What's the most expensive product?", sql: "SELECT name, price FROM products ORDER BY price DESC LIMIT 1", ordered: true },
  { question: "List the products in the kitchen category", sql: "SELECT name FROM products WHERE category = 'kitchen'" },
  {
    question: "How many orders did we get per month last year?",
    sql: "SELECT date_trunc('month', ordered_at), count(*) FROM orders WHERE ordered_at >= date_trunc('year', current_date) - interval '1 year' AND ordered_at < date_trunc('year', current_date) GROUP BY 1",
  },
  { question: "Which products have never been ordered?", sql: "SELECT p.name FROM products p WHERE NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.product_id)" },
  {
    question: "Top 3 countries by revenue",
    sql: "SELECT c.country, sum(oi.quantity * oi.unit_price) AS r FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.country ORDER BY r DESC LIMIT 3",
    ordered: true,
  },
  { question: "How many orders were placed in the last 30 days?", sql: "SELECT count(*) FROM orders WHERE ordered_at >= current_date - 30" },
  {
    question: "Revenue from electronics last month",
    sql: "SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN products p USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' AND p.category = 'electronics' AND o.ordered_at >= date_trunc('month', current_date) - interval '1 month' AND o.ordered_at < date_trunc('month', current_date)",
  },
  {
    question: "Who are our top 5 customers in the US by revenue?",
    sql: "SELECT c.name, sum(oi.quantity * oi.unit_price) AS r FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' AND c.country = 'US' GROUP BY c.customer_id, c.name ORDER BY r DESC LIMIT 5",
    ordered: true,
  },
  { question: "What share of orders was cancelled?", sql: "SELECT 100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*) FROM orders" },
  {
    question: "Which month had the highest revenue?",
    sql: "SELECT date_trunc('month', o.ordered_at), sum(oi.quantity * oi.unit_price) AS r FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY 1 ORDER BY r DESC LIMIT 1",
    ordered: true,
  },
  { question: "How many customers placed more than 10 orders?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 10) t" },
  {
    question: "Total sales in 2025",
    sql: "SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' AND o.ordered_at >= DATE '2025-01-01' AND o.ordered_at < DATE '2026-01-01'",
  },
  { question: "How many products per category?", sql: "SELECT category, count(*) FROM products GROUP BY category" },
];
