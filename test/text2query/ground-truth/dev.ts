import type { GroundTruthCase } from "./compare.js";

/**
 * The DEVELOPMENT set for "a demo that never answers confidently wrong" (issue 27): questions written for tuning
 * the demo's reading of filters by name, averages per entity, shares, exact counts, thresholds and misspellings,
 * and questions it must not answer (asked back naming the words it did not understand, or "the data cannot
 * tell"). Tuned on, so it measures nothing about questions never seen; held-out.ts does. Conventions as in
 * held-out.ts; besides: buying and an order's amount ("who bought", "orders over $500") count orders not cancelled
 * (what was sold), as revenue and units do; an order's size ("items per order") and counting orders themselves
 * count every status; what a customer spent counts orders not cancelled; an average per entity is over the
 * entities that appear (customers who ordered); shares are percentages.
 */
export type DevCase = GroundTruthCase | { question: string; expect: "needs_clarification" | "cannot_answer"; /** words the message must name */ names?: string[] };

const NOT_CANCELLED = "o.status <> 'cancelled'";
const LAST_MONTH = "o.ordered_at >= date_trunc('month', current_date) - interval '1 month' AND o.ordered_at < date_trunc('month', current_date)";
const LAST_YEAR = "o.ordered_at >= date_trunc('year', current_date) - interval '1 year' AND o.ordered_at < date_trunc('year', current_date)";
const THIS_YEAR = "o.ordered_at >= date_trunc('year', current_date)";

/** Filters by name: countries, products, customers, categories (looked up in the data). */
export const NAMED_FILTERS: readonly DevCase[] = [
  { question: "How many customers are in Germany?", sql: "SELECT count(*) FROM customers WHERE country = 'DE'" },
  { question: "Total revenue from the Espresso Machine", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Espresso Machine'` },
  { question: "How many Mechanical Keyboards were sold last year?", sql: `SELECT sum(oi.quantity) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Mechanical Keyboard' AND ${LAST_YEAR}` },
  { question: "How many orders included the Smart Watch?", sql: "SELECT count(DISTINCT oi.order_id) FROM order_items oi JOIN products p USING (product_id) WHERE p.name = 'Smart Watch'" },
  { question: "What is the price of the Stand Mixer?", sql: "SELECT price FROM products WHERE name = 'Stand Mixer'" },
  { question: "Revenue from customers in Brazil last month", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'BR' AND ${LAST_MONTH}` },
  { question: "How many orders did Haruto Fernández place?", sql: "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.name = 'Haruto Fernández'" },
  { question: "How much has Arjun Thompson spent?", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.name = 'Arjun Thompson'` },
  { question: "How many delivered orders came from Japan?", sql: "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE o.status = 'delivered' AND c.country = 'JP'" },
  { question: "Units of Dune sold this year", sql: `SELECT sum(oi.quantity) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Dune' AND o.ordered_at >= date_trunc('year', current_date)` },
  { question: "Average order value in Canada", sql: `SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'CA' GROUP BY o.order_id) x` },
  { question: "Which garden products cost less than $20?", sql: "SELECT name, price FROM products WHERE category = 'garden' AND price < 20" },
];

/** Averages per entity. */
export const AVERAGES_PER_ENTITY: readonly DevCase[] = [
  { question: "What is the average number of items per order?", sql: "SELECT avg(n) FROM (SELECT order_id, sum(quantity) AS n FROM order_items GROUP BY order_id) t" },
  { question: "Average spend per customer", sql: `SELECT avg(s) FROM (SELECT o.customer_id, sum(oi.quantity * oi.unit_price) AS s FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.customer_id) t` },
  { question: "How many orders does a customer place on average?", sql: "SELECT avg(n) FROM (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) t" },
  { question: "Average revenue per month", sql: `SELECT avg(r) FROM (SELECT date_trunc('month', o.ordered_at), sum(oi.quantity * oi.unit_price) AS r FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY 1) t` },
  { question: "Average order value per customer", sql: `SELECT name, avg(t) FROM (SELECT c.customer_id, c.name, sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.order_id, c.customer_id, c.name) x GROUP BY customer_id, name` },
  { question: "Average number of orders per day", sql: "SELECT avg(n) FROM (SELECT ordered_at, count(*) AS n FROM orders GROUP BY ordered_at) t" },
];

/** Shares over any dimension. */
export const SHARES: readonly DevCase[] = [
  { question: "Each country's share of customers", sql: "SELECT country, 100.0 * count(*) / (SELECT count(*) FROM customers) FROM customers GROUP BY country" },
  { question: "What percentage of customers are from the US?", sql: "SELECT 100.0 * count(*) FILTER (WHERE country = 'US') / count(*) FROM customers" },
  { question: "What share of revenue comes from electronics?", sql: `SELECT 100.0 * sum(oi.quantity * oi.unit_price) FILTER (WHERE p.category = 'electronics') / sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED}` },
  { question: "Share of revenue by category", sql: `SELECT p.category, 100.0 * sum(oi.quantity * oi.unit_price) / sum(sum(oi.quantity * oi.unit_price)) OVER () FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} GROUP BY p.category` },
  { question: "What percentage of orders were delivered?", sql: "SELECT 100.0 * count(*) FILTER (WHERE status = 'delivered') / count(*) FROM orders" },
  { question: "What percent of orders come from Germany?", sql: "SELECT 100.0 * count(*) FILTER (WHERE c.country = 'DE') / count(*) FROM orders o JOIN customers c USING (customer_id)" },
];

/** Exact counts and thresholds. */
export const THRESHOLDS: readonly DevCase[] = [
  { question: "How many customers have exactly two orders?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) = 2) t" },
  { question: "Customers with exactly one order", sql: "SELECT c.name FROM customers c JOIN orders o USING (customer_id) GROUP BY c.customer_id, c.name HAVING count(*) = 1" },
  { question: "How many customers placed more than 15 orders?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 15) t" },
  { question: "How many orders over $500?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY order_id HAVING sum(quantity * unit_price) > 500) t" },
  { question: "How many customers spent more than $2,000?", sql: `SELECT count(*) FROM (SELECT o.customer_id FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.customer_id HAVING sum(oi.quantity * oi.unit_price) > 2000) t` },
  { question: "Which products cost more than $200?", sql: "SELECT name, price FROM products WHERE price > 200" },
  { question: "How many orders have more than 3 items?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY order_id HAVING sum(quantity) > 3) t" },
  { question: "How many repeat customers do we have?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 1) t" },
  { question: "How many customers ordered only once?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) = 1) t" },
  { question: "How many products cost under 15 dollars?", sql: "SELECT count(*) FROM products WHERE price < 15" },
];

/** Misspellings of schema words. */
export const MISSPELLINGS: readonly DevCase[] = [
  { question: "How many custmers do we have in France?", sql: "SELECT count(*) FROM customers WHERE country = 'FR'" },
  { question: "Revnue by categroy", sql: `SELECT p.category, sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} GROUP BY p.category` },
  { question: "How many pending ordres are there?", sql: "SELECT count(*) FROM orders WHERE status = 'pending'" },
];

/** Words it does not understand: asks back, naming them. */
export const ASKS_BACK: readonly DevCase[] = [
  { question: "How many orders did our gold tier customers place?", expect: "needs_clarification", names: ["gold", "tier"] },
  { question: "Revenue from the Zebra Blender last month", expect: "needs_clarification", names: ["Zebra"] },
  { question: "How many orders has John Doe placed?", expect: "needs_clarification", names: ["John", "Doe"] },
  { question: "What is the median order value?", expect: "needs_clarification", names: ["median"] },
  { question: "How many orders between March and May?", expect: "needs_clarification", names: ["between", "March"] },
  { question: "Top customers by lifetime value", expect: "needs_clarification", names: ["lifetime"] },
  { question: "How many customers are from Berlin?", expect: "needs_clarification", names: ["Berlin"] },
  { question: "What share of orders?", expect: "needs_clarification" },
];

/** What the data does not record: cannot answer. */
export const CANNOT_ANSWER: readonly DevCase[] = [
  { question: "How many orders were returned last month?", expect: "cannot_answer" },
  { question: "What is the average delivery time?", expect: "cannot_answer" },
  { question: "Which products are out of stock?", expect: "cannot_answer" },
  { question: "What is our profit margin on electronics?", expect: "cannot_answer" },
  { question: "Which products have the best reviews?", expect: "cannot_answer" },
  { question: "How much did we pay for shipping to Canada?", expect: "cannot_answer" },
];

/** Round 2, written after round 1 passed and run once before any change: 27/30 (three asked back where the data cannot tell: "delivered late", "older than 40"; "cancellation rate by country" asked back), none answered wrongly; then tuned. */
export const ROUND_2: readonly DevCase[] = [
  { question: "How many orders came from the UK last year?", sql: `SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.country = 'GB' AND ${LAST_YEAR}` },
  { question: "What did the Noise-Cancelling Headphones earn this year?", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Noise-Cancelling Headphones' AND ${THIS_YEAR}` },
  { question: "How many customers bought the Robot Kit?", sql: `SELECT count(DISTINCT o.customer_id) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Robot Kit'` },
  { question: "List customers from Spain", sql: "SELECT name FROM customers WHERE country = 'ES'" },
  { question: "Average number of products per order", sql: "SELECT avg(n) FROM (SELECT order_id, count(*) AS n FROM order_items GROUP BY order_id) t" },
  { question: "What is the average revenue per customer in Germany?", sql: `SELECT avg(s) FROM (SELECT o.customer_id, sum(oi.quantity * oi.unit_price) AS s FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'DE' GROUP BY o.customer_id) t` },
  { question: "Share of customers per country", sql: "SELECT country, 100.0 * count(*) / (SELECT count(*) FROM customers) FROM customers GROUP BY country" },
  { question: "What percentage of our revenue comes from customers in the US?", sql: `SELECT 100.0 * sum(oi.quantity * oi.unit_price) FILTER (WHERE c.country = 'US') / sum(oi.quantity * oi.unit_price) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED}` },
  { question: "How many customers have made exactly three purchases?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) = 3) t" },
  { question: "Customers who have placed at least 20 orders", sql: "SELECT c.name FROM customers c JOIN orders o USING (customer_id) GROUP BY c.customer_id, c.name HAVING count(*) >= 20" },
  { question: "How many orders were worth more than $1000?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY order_id HAVING sum(quantity * unit_price) > 1000) t" },
  { question: "Products priced above $300", sql: "SELECT name, price FROM products WHERE price > 300" },
  { question: "How many orders contain more than 2 different products?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY order_id HAVING count(*) > 2) t" },
  { question: "How many customers from Japan ordered more than 5 times?", sql: "SELECT count(*) FROM (SELECT o.customer_id FROM orders o JOIN customers c USING (customer_id) WHERE c.country = 'JP' GROUP BY o.customer_id HAVING count(*) > 5) t" },
  { question: "Total revenue from toys in 2025", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.category = 'toys' AND o.ordered_at >= DATE '2025-01-01' AND o.ordered_at < DATE '2026-01-01'` },
  { question: "How many producs are in the kitchen category?", sql: "SELECT count(*) FROM products WHERE category = 'kitchen'" },
  { question: "Revenue per catgory last month", sql: `SELECT p.category, sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND ${LAST_MONTH} GROUP BY p.category` },
  { question: "How many cancelled orders did Canada have this year?", sql: `SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE o.status = 'cancelled' AND c.country = 'CA' AND ${THIS_YEAR}` },
  { question: "What is the cancellation rate by country?", sql: "SELECT c.country, 100.0 * count(*) FILTER (WHERE o.status = 'cancelled') / count(*) FROM orders o JOIN customers c USING (customer_id) GROUP BY c.country" },
  { question: "What's the average price of electronics?", sql: "SELECT avg(price) FROM products WHERE category = 'electronics'" },
  { question: "How many orders were delivered late?", expect: "cannot_answer" },
  { question: "Which customers left a 5-star rating?", expect: "cannot_answer" },
  { question: "How many items are left in the warehouse?", expect: "cannot_answer" },
  { question: "What is the conversion rate of our website?", expect: "cannot_answer" },
  { question: "How many orders did VIP customers place?", expect: "needs_clarification", names: ["VIP"] },
  { question: "Revenue from the Quantum Toaster", expect: "needs_clarification", names: ["Quantum", "Toaster"] },
  { question: "Which customers are older than 40?", expect: "cannot_answer" },
  { question: "How long does it take to ship an order?", expect: "cannot_answer" },
  { question: "Revenue by city", expect: "cannot_answer" },
  { question: "What is the gender split of our customers?", expect: "cannot_answer" },
];


/**
 * Round 3, written after round 2 passed and run once before any change: 22/26. Two answered wrongly with
 * confidence — "Who bought the most Espresso Machines?" (ranked by revenue, not units) and "What percentage of
 * products have never been sold?" (listed them; the share was dropped) — which led to the check that no part is
 * left out by the composers (compose-sql.ts unsupported()); one asked back ("the most popular category"); one
 * failed after 3 corrections ("Which orders were refunded?": refunds are the example's deliberate failure
 * family, replaced here by "exchanged"). Then tuned.
 */
export const ROUND_3: readonly DevCase[] = [
  { question: "Which country has the highest average order value?", sql: `SELECT country, avg(t) AS a FROM (SELECT c.country, sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.order_id, c.country) x GROUP BY country ORDER BY a DESC LIMIT 1`, ordered: true },
  { question: "How many new customers from the US signed up this year?", sql: "SELECT count(*) FROM customers WHERE country = 'US' AND signed_up_at >= date_trunc('year', current_date)" },
  { question: "What is the most popular category?", sql: `SELECT p.category, sum(oi.quantity) AS u FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY p.category ORDER BY u DESC LIMIT 1`, ordered: true },
  { question: "Top 5 products by revenue in Germany", sql: `SELECT p.name, sum(oi.quantity * oi.unit_price) AS r FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) JOIN customers c USING (customer_id) WHERE ${NOT_CANCELLED} AND c.country = 'DE' GROUP BY p.product_id, p.name ORDER BY r DESC LIMIT 5`, ordered: true },
  { question: "How many Kites did we sell last month?", sql: `SELECT sum(oi.quantity) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Kite' AND ${LAST_MONTH}` },
  { question: "Who bought the most Espresso Machines?", sql: `SELECT c.name, sum(oi.quantity) AS u FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Espresso Machine' GROUP BY c.customer_id, c.name ORDER BY u DESC, c.name LIMIT 1` },
  { question: "Average order value of electronics orders", sql: `SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.category = 'electronics' GROUP BY o.order_id) x` },
  { question: "What percentage of products have never been sold?", sql: "SELECT 100.0 * count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.product_id)) / count(*) FROM products p" },
  { question: "Share of orders by status", sql: "SELECT status, 100.0 * count(*) / sum(count(*)) OVER () FROM orders GROUP BY status" },
  { question: "How many customers have fewer than 2 orders?", sql: "SELECT count(*) FROM (SELECT c.customer_id FROM customers c LEFT JOIN orders o USING (customer_id) GROUP BY c.customer_id HAVING count(o.order_id) < 2) t" },
  { question: "How many orders under $20?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY order_id HAVING sum(quantity * unit_price) < 20) t" },
  { question: "Customers in France who spent over $1,500", sql: `SELECT c.name FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'FR' GROUP BY c.customer_id, c.name HAVING sum(oi.quantity * oi.unit_price) > 1500` },
  { question: "How many orders did Lucas Roux place this year?", sql: `SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.name = 'Lucas Roux' AND ${THIS_YEAR}` },
  { question: "Average items per order in Japan", sql: "SELECT avg(n) FROM (SELECT o.order_id, sum(oi.quantity) AS n FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE c.country = 'JP' GROUP BY o.order_id) t" },
  { question: "Number of shipped orders per month this year", sql: "SELECT date_trunc('month', ordered_at), count(*) FROM orders WHERE status = 'shipped' AND ordered_at >= date_trunc('year', current_date) GROUP BY 1" },
  { question: "How many ordrs were canceled in 2025?", sql: "SELECT count(*) FROM orders WHERE status = 'cancelled' AND ordered_at >= DATE '2025-01-01' AND ordered_at < DATE '2026-01-01'" },
  { question: "Whats the avrage order value?", sql: `SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.order_id) x` },
  { question: "Revenue in Q1", expect: "needs_clarification", names: ["Q1"] },
  { question: "Compare revenue this year vs last year", expect: "needs_clarification" },
  { question: "How many orders were placed on weekends?", expect: "needs_clarification", names: ["weekends"] },
  { question: "What is the revenue growth month over month?", expect: "needs_clarification", names: ["growth"] },
  { question: "How many orders does Olivia have?", expect: "needs_clarification", names: ["Olivia"] },
  { question: "Which orders were exchanged?", expect: "cannot_answer" },
  { question: "What is the average rating of the Smart Watch?", expect: "cannot_answer" },
  { question: "How many customers unsubscribed from the newsletter?", expect: "cannot_answer" },
  { question: "Which supplier delivers the most products?", expect: "cannot_answer" },
];

/**
 * Round 4, written after round 3 passed and run once before any change: 22/27. Two answered wrongly with
 * confidence — "How many times was Atomic Habits ordered?" (counted the product) and "How many orders were placed
 * by customers in Spain last month?" ("by customers" read as a grouping) — three asked back ("bring in" after
 * "revenue", "an order" read as a grouping, "time between order and delivery" not known as missing). Then tuned.
 */
export const ROUND_4: readonly DevCase[] = [
  { question: "How much revenue did the Bluetooth Speaker bring in last month?", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Bluetooth Speaker' AND ${LAST_MONTH}` },
  { question: "How many times was Atomic Habits ordered?", sql: "SELECT count(DISTINCT oi.order_id) FROM order_items oi JOIN products p USING (product_id) WHERE p.name = 'Atomic Habits'" },
  { question: "Orders from Australian customers this year", sql: `SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.country = 'AU' AND ${THIS_YEAR}` },
  { question: "What's the average number of orders per customer?", sql: "SELECT avg(n) FROM (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) t" },
  { question: "Average units per order last month", sql: `SELECT avg(n) FROM (SELECT o.order_id, sum(oi.quantity) AS n FROM orders o JOIN order_items oi USING (order_id) WHERE ${LAST_MONTH} GROUP BY o.order_id) t` },
  { question: "What is the average revenue per order?", sql: `SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.order_id) x` },
  { question: "What share of units sold were books?", sql: `SELECT 100.0 * sum(oi.quantity) FILTER (WHERE p.category = 'books') / sum(oi.quantity) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED}` },
  { question: "Percentage of revenue by country", sql: `SELECT c.country, 100.0 * sum(oi.quantity * oi.unit_price) / sum(sum(oi.quantity * oi.unit_price)) OVER () FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY c.country` },
  { question: "What percentage of customers never placed an order?", sql: "SELECT 100.0 * count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)) / count(*) FROM customers c" },
  { question: "How many customers made exactly 5 orders?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) = 5) t" },
  { question: "Which customers ordered exactly 10 times?", sql: "SELECT c.name FROM customers c JOIN orders o USING (customer_id) GROUP BY c.customer_id, c.name HAVING count(*) = 10" },
  { question: "Number of orders with a total above $250", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY order_id HAVING sum(quantity * unit_price) > 250) t" },
  { question: "Customers who spent at least 3000 dollars", sql: `SELECT c.name FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY c.customer_id, c.name HAVING sum(oi.quantity * oi.unit_price) >= 3000` },
  { question: "How many products sold more than 500 units?", sql: `SELECT count(*) FROM (SELECT oi.product_id FROM order_items oi JOIN orders o USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY oi.product_id HAVING sum(oi.quantity) > 500) t` },
  { question: "How many customers are there in Indai?", sql: "SELECT count(*) FROM customers WHERE country = 'IN'" },
  { question: "Top 3 prodcuts by revenue", sql: `SELECT p.name, sum(oi.quantity * oi.unit_price) AS r FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY p.product_id, p.name ORDER BY r DESC LIMIT 3`, ordered: true },
  { question: "Number of deliverd orders", sql: "SELECT count(*) FROM orders WHERE status = 'delivered'" },
  { question: "How many customers signed up from Canada last year?", sql: "SELECT count(*) FROM customers WHERE country = 'CA' AND signed_up_at >= date_trunc('year', current_date) - interval '1 year' AND signed_up_at < date_trunc('year', current_date)" },
  { question: "How many orders were placed by customers in Spain last month?", sql: `SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.country = 'ES' AND ${LAST_MONTH}` },
  { question: "How many orders were returned by customers in Germany?", expect: "cannot_answer" },
  { question: "What is the average time between order and delivery?", expect: "cannot_answer" },
  { question: "Which payment method is most popular?", expect: "cannot_answer" },
  { question: "How many orders were paid by credit card?", expect: "cannot_answer" },
  { question: "What is the revenue from premium members?", expect: "needs_clarification", names: ["premium"] },
  { question: "How many orders did Emma place?", expect: "needs_clarification", names: ["Emma"] },
  { question: "Revenue from the Turbo Vacuum", expect: "needs_clarification", names: ["Turbo", "Vacuum"] },
  { question: "What is the standard deviation of order values?", expect: "needs_clarification", names: ["standard", "deviation"] },
];

/**
 * Round 5, written after round 4 passed and run once before any change: 20/25. Three answered wrongly with
 * confidence — "Which customers bought the Mini Drone?" (units, from round 3's rule for "bought the most"),
 * "average number of customers per country" (counted customers who ordered), "orders shipped to Canada" (read
 * as status shipped; the shop has no shipping address) — two asked back ("Chef's Knives": an irregular plural;
 * "total value"). Then tuned.
 */
export const ROUND_5: readonly DevCase[] = [
  { question: "How many Chef's Knives have we sold?", sql: `SELECT sum(oi.quantity) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Chef''s Knife'` },
  { question: "Sales of the Wooden Train Set by month this year", sql: `SELECT date_trunc('month', o.ordered_at), sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Wooden Train Set' AND ${THIS_YEAR} GROUP BY 1` },
  { question: "Which customers bought the Mini Drone?", sql: `SELECT DISTINCT c.name FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Mini Drone'` },
  { question: "Revenue from British customers last year", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'GB' AND ${LAST_YEAR}` },
  { question: "What is the average number of customers per country?", sql: "SELECT avg(n) FROM (SELECT country, count(*) AS n FROM customers GROUP BY country) t" },
  { question: "Average daily revenue last month", sql: `SELECT avg(r) FROM (SELECT o.ordered_at, sum(oi.quantity * oi.unit_price) AS r FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND ${LAST_MONTH} GROUP BY o.ordered_at) t` },
  { question: "Each category's share of units sold", sql: `SELECT p.category, 100.0 * sum(oi.quantity) / sum(sum(oi.quantity)) OVER () FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} GROUP BY p.category` },
  { question: "What fraction of orders are pending?", sql: "SELECT 100.0 * count(*) FILTER (WHERE status = 'pending') / count(*) FROM orders" },
  { question: "How many customers have exactly 1 order?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) = 1) t" },
  { question: "Which products are priced below $10?", sql: "SELECT name, price FROM products WHERE price < 10" },
  { question: "How many orders had a total of more than $2000?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY order_id HAVING sum(quantity * unit_price) > 2000) t" },
  { question: "How many customers ordered at least 25 times?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) >= 25) t" },
  { question: "Revenue from electronicss", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.category = 'electronics'` },
  { question: "How many customres signed up this month?", sql: "SELECT count(*) FROM customers WHERE signed_up_at >= date_trunc('month', current_date)" },
  { question: "Top 5 countries by number of orders", sql: "SELECT c.country, count(*) AS n FROM orders o JOIN customers c USING (customer_id) GROUP BY c.country ORDER BY n DESC LIMIT 5", ordered: true },
  { question: "How many orders has Ava Thompson placed since 2025?", sql: "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.name = 'Ava Thompson' AND o.ordered_at >= DATE '2025-01-01'" },
  { question: "What is the total value of pending orders?", sql: "SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE o.status = 'pending'" },
  { question: "How many orders were shipped to Canada?", expect: "cannot_answer" },
  { question: "What is the return rate for electronics?", expect: "cannot_answer" },
  { question: "Which products have low stock?", expect: "cannot_answer" },
  { question: "How many orders were placed on mobile?", expect: "needs_clarification", names: ["mobile"] },
  { question: "Revenue from wholesale customers", expect: "cannot_answer" },
  { question: "How many orders did Hugo place last month?", expect: "needs_clarification", names: ["Hugo"] },
  { question: "What's the busiest hour of the day?", expect: "needs_clarification", names: ["hour"] },
  { question: "Top customers excluding the US", expect: "needs_clarification", names: ["excluding"] },
];

/**
 * Round 6, written after round 5 passed and run once before any change: 20/23. One answered with confidence but
 * not as asked — "What did Liam Becker buy?" (listed orders, not products) — one read as data the shop lacks
 * ("awaiting shipment" is pending), one failed after 3 corrections ("refunded or returned": returns are now
 * found before the refunds failure family). Then tuned.
 */
export const ROUND_6: readonly DevCase[] = [
  { question: "How many Sapiens books were sold this year?", sql: `SELECT sum(oi.quantity) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Sapiens' AND ${THIS_YEAR}` },
  { question: "Total sales of the Cast Iron Skillet in the US", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o USING (order_id) JOIN customers c USING (customer_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Cast Iron Skillet' AND c.country = 'US'` },
  { question: "What did Liam Becker buy?", sql: "SELECT DISTINCT p.name FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE c.name = 'Liam Becker'" },
  { question: "Average order value for German customers", sql: `SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'DE' GROUP BY o.order_id) x` },
  { question: "On average, how many items does an order contain?", sql: "SELECT avg(n) FROM (SELECT order_id, sum(quantity) AS n FROM order_items GROUP BY order_id) t" },
  { question: "Average revenue per product", sql: `SELECT avg(r) FROM (SELECT oi.product_id, sum(oi.quantity * oi.unit_price) AS r FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY oi.product_id) t` },
  { question: "What percentage of orders contain electronics?", sql: "SELECT 100.0 * count(DISTINCT o.order_id) FILTER (WHERE p.category = 'electronics') / count(DISTINCT o.order_id) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id)" },
  { question: "Share of customers by country", sql: "SELECT country, 100.0 * count(*) / (SELECT count(*) FROM customers) FROM customers GROUP BY country" },
  { question: "What percent of revenue came from the Espresso Machine last month?", sql: `SELECT 100.0 * sum(oi.quantity * oi.unit_price) FILTER (WHERE p.name = 'Espresso Machine') / sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND ${LAST_MONTH}` },
  { question: "List customers with exactly 3 orders", sql: "SELECT c.name FROM customers c JOIN orders o USING (customer_id) GROUP BY c.customer_id, c.name HAVING count(*) = 3" },
  { question: "How many customers have more than 2 orders this year?", sql: `SELECT count(*) FROM (SELECT customer_id FROM orders o WHERE ${THIS_YEAR} GROUP BY customer_id HAVING count(*) > 2) t` },
  { question: "Show orders over $1,200", sql: "SELECT order_id, sum(quantity * unit_price) FROM order_items JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY order_id HAVING sum(quantity * unit_price) > 1200" },
  { question: "How many products cost between $20 and $50?", expect: "needs_clarification", names: ["between"] },
  { question: "How many orders in Germny last month?", sql: `SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.country = 'DE' AND ${LAST_MONTH}` },
  { question: "Revenue by countyr", sql: `SELECT c.country, sum(oi.quantity * oi.unit_price) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY c.country` },
  { question: "How many orders are awaiting shipment?", sql: "SELECT count(*) FROM orders WHERE status = 'pending'" },
  { question: "How many orders were refunded or returned?", expect: "cannot_answer" },
  { question: "What is the average shipping cost?", expect: "cannot_answer" },
  { question: "Which warehouse ships the most orders?", expect: "cannot_answer" },
  { question: "How many customers left us last year?", expect: "needs_clarification", names: ["left"] },
  { question: "What's our best month ever for new customers?", sql: "SELECT date_trunc('month', signed_up_at)::date AS m, count(*) AS n FROM customers GROUP BY 1 ORDER BY n DESC LIMIT 1", ordered: true },
  { question: "Revenue of the Galaxy Phone", expect: "needs_clarification", names: ["Galaxy", "Phone"] },
  { question: "Orders per hour", expect: "needs_clarification", names: ["hour"] },
];

/**
 * Round 7, written after round 6 passed and run once before any change: 20/25. Two answered wrongly with
 * confidence — "Average spend per order in the UK" (grouped by order) and "delivered on time" (counted delivered
 * orders) — three asked back ("copies", "an average order", "Revenu": a misspelling taken for another form of
 * "revenue"). Then tuned.
 */
export const ROUND_7: readonly DevCase[] = [
  { question: "How many Project Hail Mary copies did we sell?", sql: `SELECT sum(oi.quantity) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Project Hail Mary'` },
  { question: "Revenue from Compost Bins this year", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Compost Bin' AND ${THIS_YEAR}` },
  { question: "How many orders came from India?", sql: "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE c.country = 'IN'" },
  { question: "Number of customers in each country", sql: "SELECT country, count(*) FROM customers GROUP BY country" },
  { question: "Average spend per order in the UK", sql: `SELECT avg(t) FROM (SELECT sum(oi.quantity * oi.unit_price) AS t FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'GB' GROUP BY o.order_id) x` },
  { question: "What is the average number of orders per month?", sql: "SELECT avg(n) FROM (SELECT date_trunc('month', ordered_at), count(*) AS n FROM orders GROUP BY 1) t" },
  { question: "How many units does an average order have?", sql: "SELECT avg(n) FROM (SELECT order_id, sum(quantity) AS n FROM order_items GROUP BY order_id) t" },
  { question: "What share of orders come from each country?", sql: "SELECT c.country, 100.0 * count(*) / sum(count(*)) OVER () FROM orders o JOIN customers c USING (customer_id) GROUP BY c.country" },
  { question: "What proportion of revenue comes from kitchen products?", sql: `SELECT 100.0 * sum(oi.quantity * oi.unit_price) FILTER (WHERE p.category = 'kitchen') / sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED}` },
  { question: "Cancellation rate last month", sql: `SELECT 100.0 * count(*) FILTER (WHERE o.status = 'cancelled') / count(*) FROM orders o WHERE ${LAST_MONTH}` },
  { question: "How many customers have placed exactly four orders?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) = 4) t" },
  { question: "Customers who ordered twice", sql: "SELECT c.name FROM customers c JOIN orders o USING (customer_id) GROUP BY c.customer_id, c.name HAVING count(*) = 2" },
  { question: "How many orders above $750?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY order_id HAVING sum(quantity * unit_price) > 750) t" },
  { question: "How many products under $25?", sql: "SELECT count(*) FROM products WHERE price < 25" },
  { question: "How many customers spent over $5,000 in total?", sql: `SELECT count(*) FROM (SELECT o.customer_id FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.customer_id HAVING sum(oi.quantity * oi.unit_price) > 5000) t` },
  { question: "How many orders had more than 5 units?", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY order_id HAVING sum(quantity) > 5) t" },
  { question: "How many custmoers ordered last month?", sql: `SELECT count(DISTINCT customer_id) FROM orders o WHERE ${LAST_MONTH}` },
  { question: "Revenu this year", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND ${THIS_YEAR}` },
  { question: "How many orders were delivered on time?", expect: "cannot_answer" },
  { question: "What is the profit on the Espresso Machine?", expect: "cannot_answer" },
  { question: "How many customers are subscribed to the newsletter?", expect: "cannot_answer" },
  { question: "Revenue from customers aged over 30", expect: "cannot_answer" },
  { question: "How many orders did Noah place?", expect: "needs_clarification", names: ["Noah"] },
  { question: "Which SKU sells best?", expect: "needs_clarification", names: ["SKU"] },
  { question: "Revenue per sales channel", expect: "needs_clarification", names: ["channel"] },
];

/**
 * Round 8, written after round 7 passed and run once before any change: 22/23. The miss listed the orders of
 * "Orders worth over $800 last month" instead of counting them (a bare noun phrase about orders counts, as
 * elsewhere: "worth" was read twice, as the threshold and as revenue). Then tuned.
 */
export const ROUND_8: readonly DevCase[] = [
  { question: "How many Yo-Yos were sold last month?", sql: `SELECT sum(oi.quantity) FROM order_items oi JOIN orders o USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Yo-Yo' AND ${LAST_MONTH}` },
  { question: "Which country buys the most Board Game: Settlers?", sql: `SELECT c.country, sum(oi.quantity) AS u FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.name = 'Board Game: Settlers' GROUP BY c.country ORDER BY u DESC LIMIT 1`, ordered: true },
  { question: "Revenue from French customers this year", sql: `SELECT sum(oi.quantity * oi.unit_price) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'FR' AND ${THIS_YEAR}` },
  { question: "How many customers from Australia have never ordered?", sql: "SELECT count(*) FROM customers c WHERE c.country = 'AU' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)" },
  { question: "Average number of items per order this year", sql: `SELECT avg(n) FROM (SELECT o.order_id, sum(oi.quantity) AS n FROM orders o JOIN order_items oi USING (order_id) WHERE ${THIS_YEAR} GROUP BY o.order_id) t` },
  { question: "What is the average amount spent per customer?", sql: `SELECT avg(s) FROM (SELECT o.customer_id, sum(oi.quantity * oi.unit_price) AS s FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY o.customer_id) t` },
  { question: "Average orders per week", sql: "SELECT avg(n) FROM (SELECT date_trunc('week', ordered_at), count(*) AS n FROM orders GROUP BY 1) t" },
  { question: "Percentage of orders that are shipped", sql: "SELECT 100.0 * count(*) FILTER (WHERE status = 'shipped') / count(*) FROM orders" },
  { question: "What share of customers are from Japan?", sql: "SELECT 100.0 * count(*) FILTER (WHERE country = 'JP') / count(*) FROM customers" },
  { question: "Revenue share of each category this year", sql: `SELECT p.category, 100.0 * sum(oi.quantity * oi.unit_price) / sum(sum(oi.quantity * oi.unit_price)) OVER () FROM orders o JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND ${THIS_YEAR} GROUP BY p.category` },
  { question: "Number of customers with exactly 6 orders", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) = 6) t" },
  { question: "How many customers have ordered more than 12 times?", sql: "SELECT count(*) FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 12) t" },
  { question: "Orders worth over $800 last month", sql: `SELECT count(*) FROM (SELECT o.order_id FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND ${LAST_MONTH} GROUP BY o.order_id HAVING sum(oi.quantity * oi.unit_price) > 800) t` },
  { question: "Which electronics cost more than $150?", sql: "SELECT name, price FROM products WHERE category = 'electronics' AND price > 150" },
  { question: "How many producst are there?", sql: "SELECT count(*) FROM products" },
  { question: "Top 5 custoemrs by revenue", sql: `SELECT c.name, sum(oi.quantity * oi.unit_price) AS r FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY c.customer_id, c.name ORDER BY r DESC LIMIT 5`, ordered: true },
  { question: "How many orders were delivered to the wrong address?", expect: "cannot_answer" },
  { question: "What is the average customer rating?", expect: "cannot_answer" },
  { question: "How many items are in stock?", expect: "cannot_answer" },
  { question: "Which marketing campaign brought the most revenue?", expect: "cannot_answer" },
  { question: "How many orders did the Smiths place?", expect: "needs_clarification", names: ["Smiths"] },
  { question: "Revenue on Black Friday", expect: "needs_clarification", names: ["Black", "Friday"] },
  { question: "What's the churn rate?", expect: "needs_clarification", names: ["churn"] },
];

/**
 * Round 9, written after round 8 passed and run once before any change: 14/20. Two answered with confidence but
 * not as asked — "How many Smart Home Hubs have we sold?" (none sold: null, now 0) and "Average order value by
 * category" (an order spans categories: now asked back) — four asked back, two of which are kept as known limits
 * below ("different products", "cancelld"); "lost in transit" and "discount code" are now data the shop lacks.
 */
export const ROUND_9: readonly DevCase[] = [
  { question: "How many Smart Home Hubs have we sold?", sql: "SELECT 0 AS n" },
  { question: "Which customer spent the most on electronics?", sql: `SELECT c.name, sum(oi.quantity * oi.unit_price) AS r FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) JOIN products p USING (product_id) WHERE ${NOT_CANCELLED} AND p.category = 'electronics' GROUP BY c.customer_id, c.name ORDER BY r DESC LIMIT 1`, ordered: true },
  { question: "Revenue from Spanish customers by month this year", sql: `SELECT date_trunc('month', o.ordered_at), sum(oi.quantity * oi.unit_price) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'ES' AND ${THIS_YEAR} GROUP BY 1` },
  // Asked back until round 10 taught distinct counts ("different products": products bought, orders not cancelled).
  { question: "How many different products has Ava Thompson bought?", sql: `SELECT count(DISTINCT oi.product_id) FROM orders o JOIN customers c USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.name = 'Ava Thompson'` },
  { question: "Average order value by category", expect: "needs_clarification" },
  { question: "What is the average number of units sold per product?", sql: `SELECT avg(u) FROM (SELECT oi.product_id, sum(oi.quantity) AS u FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} GROUP BY oi.product_id) t` },
  { question: "What percentage of customers are from Europe?", expect: "needs_clarification", names: ["Europe"] },
  { question: "Share of orders by month this year", sql: `SELECT date_trunc('month', o.ordered_at), 100.0 * count(*) / sum(count(*)) OVER () FROM orders o WHERE ${THIS_YEAR} GROUP BY 1` },
  { question: "How many customers have exactly zero orders?", sql: "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)" },
  { question: "Orders with exactly 2 items", sql: "SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY order_id HAVING sum(quantity) = 2) t" },
  { question: "How many orders last month were over $300?", sql: `SELECT count(*) FROM (SELECT o.order_id FROM orders o JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND ${LAST_MONTH} GROUP BY o.order_id HAVING sum(oi.quantity * oi.unit_price) > 300) t` },
  { question: "Customers from Brazil who spent more than $500", sql: `SELECT c.name FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE ${NOT_CANCELLED} AND c.country = 'BR' GROUP BY c.customer_id, c.name HAVING sum(oi.quantity * oi.unit_price) > 500` },
  // Known limit, asked back: "cancelld" is one edit from both "cancelled" and "canceled", a tie it does not break.
  { question: "How many cancelld orders last year?", expect: "needs_clarification", names: ["cancelld"] },
  { question: "How many cancelled orders last year?", sql: "SELECT count(*) FROM orders o WHERE o.status = 'cancelled' AND o.ordered_at >= date_trunc('year', current_date) - interval '1 year' AND o.ordered_at < date_trunc('year', current_date)" },
  { question: "Best selling product in the garden categry", sql: `SELECT p.name, sum(oi.quantity) AS u FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE ${NOT_CANCELLED} AND p.category = 'garden' GROUP BY p.product_id, p.name ORDER BY u DESC LIMIT 1`, ordered: true },
  { question: "How many orders were lost in transit?", expect: "cannot_answer" },
  // Asked back until round 10: reasons are data the shop lacks.
  { question: "What are the most common reasons for cancellation?", expect: "cannot_answer" },
  { question: "How many orders used a discount code?", expect: "cannot_answer" },
  { question: "Which city has the most customers?", expect: "cannot_answer" },
  { question: "How many orders did we get from Mars?", expect: "needs_clarification", names: ["Mars"] },
  { question: "Revenue from repeat vs new customers", expect: "needs_clarification" },
];

