import { SCHEMA_DESCRIPTION } from "./sample-data.js";

/** Each system prompt starts with its stage marker (the demo model reads it; real models ignore it). */
export const STAGE_MARKERS = {
  intent: "[intent]",
  reasoning: "[reasoning]",
  generation: "[generation]",
  correction: "[correction]",
} as const;

export const INTENT_PROMPT = `${STAGE_MARKERS.intent} You classify questions sent to a SQL assistant for an online shop whose
database holds only this schema:
${SCHEMA_DESCRIPTION}
Answer with JSON only: {"intent": one of "sql_query" (answerable from this schema), "needs_clarification" (about
the data but vague, or with words you cannot map to the schema: ask back), "cannot_answer" (about the shop, but the
schema does not record it, e.g. returns, shipping times, costs), "out_of_scope" (not about the data), "confidence":
a number in [0, 1], how sure you are that the question can be answered correctly as you understood it (below 0.5
when you ask back or cannot answer), "reason": for needs_clarification, the words you did not understand; for
cannot_answer, what the data lacks}. Never answer a different question than the one asked.`;

export const REASONING_PROMPT = `${STAGE_MARKERS.reasoning} You plan SQL queries over this PostgreSQL schema:
${SCHEMA_DESCRIPTION}
List the tables needed, then the steps, briefly.`;

const GUIDELINES = [
  "Write one PostgreSQL SELECT statement that answers the question. No data changes, no DDL, one statement.",
  "Use only the tables and columns of the schema. Qualify columns with table aliases when joining.",
  "Revenue is sum(order_items.quantity * order_items.unit_price). What was sold excludes cancelled orders unless a status is asked for: revenue, units sold, what customers spent, who bought or purchased a product, thresholds on an order's amount (orders over $500). Counting orders themselves (how many orders, orders by status, customers who ordered) counts every status.",
  "A superlative ranks by the measure named, else by the entity's natural amount: an order's total, a customer's spend, a product's price.",
  "Dates are of type date and the data runs up to today: relative periods use current_date (last month is ordered_at >= date_trunc('month', current_date) - interval '1 month' AND ordered_at < date_trunc('month', current_date); this year is ordered_at >= date_trunc('year', current_date)); fixed dates are DATE 'YYYY-MM-DD' literals; group months with date_trunc('month', …).",
  "Return at most the rows the question needs; order results meaningfully; name computed columns.",
  "Answer with the SQL in a ```sql fenced block and nothing else.",
];

const COLUMN_DOCS = `customers.customer_id integer, primary key
customers.name text, the customer's full name
customers.email text, unique
customers.country text, ISO 3166-1 alpha-2 code (US, DE, FR, GB, JP, BR, IN, CA, AU, ES)
customers.signed_up_at date, the day the account was created
products.product_id integer, primary key
products.name text, display name
products.category text, one of books, electronics, garden, kitchen, toys
products.price numeric(10,2), current list price in USD
orders.order_id integer, primary key
orders.customer_id integer, references customers
orders.status text, one of delivered, shipped, cancelled, pending
orders.ordered_at date, the day the order was placed
order_items.order_id integer, references orders
order_items.product_id integer, references products
order_items.quantity integer, units of the product in the order
order_items.unit_price numeric(10,2), price paid per unit (the list price, or less when discounted)`;

const EXAMPLES = [
  ["How many pending orders are there?", "SELECT count(*) AS orders FROM orders WHERE status = 'pending'"],
  ["Which 5 products sold the most units?", "SELECT p.name, sum(oi.quantity) AS units FROM products p JOIN order_items oi USING (product_id) JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' GROUP BY p.product_id, p.name ORDER BY units DESC LIMIT 5"],
  ["Orders last month?", "SELECT count(*) AS orders FROM orders WHERE ordered_at >= date_trunc('month', current_date) - interval '1 month' AND ordered_at < date_trunc('month', current_date)"],
  ["Revenue per country?", "SELECT c.country, sum(oi.quantity * oi.unit_price) AS revenue FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) WHERE o.status <> 'cancelled' GROUP BY c.country ORDER BY revenue DESC"],
  ["Customers who signed up in 2024?", "SELECT count(*) AS customers FROM customers WHERE signed_up_at >= DATE '2024-01-01' AND signed_up_at < DATE '2025-01-01'"],
  ["Average items per order?", "SELECT round(avg(n), 2) AS items_per_order FROM (SELECT order_id, sum(quantity) AS n FROM order_items GROUP BY order_id) t"],
  ["Orders per status?", "SELECT status, count(*) AS orders FROM orders GROUP BY status ORDER BY orders DESC"],
  ["Most expensive product in each category?", "SELECT DISTINCT ON (category) category, name, price FROM products ORDER BY category, price DESC"],
  ["Customers with no orders?", "SELECT c.name FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)"],
  ["Monthly orders in 2024?", "SELECT date_trunc('month', ordered_at) AS month, count(*) AS orders FROM orders WHERE ordered_at >= DATE '2024-01-01' AND ordered_at < DATE '2025-01-01' GROUP BY 1 ORDER BY 1"],
  ["Share of cancelled orders?", "SELECT round(100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*), 1) AS cancelled_percent FROM orders"],
  ["Top 3 categories by units sold?", "SELECT p.category, sum(oi.quantity) AS units FROM products p JOIN order_items oi USING (product_id) GROUP BY p.category ORDER BY units DESC LIMIT 3"],
  ["Average price per category?", "SELECT category, round(avg(price), 2) AS average_price FROM products GROUP BY category ORDER BY category"],
  ["Repeat customers?", "SELECT count(*) AS repeat_customers FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 1) t"],
  ["Revenue of the electronics category last year?", "SELECT sum(oi.quantity * oi.unit_price) AS revenue FROM order_items oi JOIN products p USING (product_id) JOIN orders o USING (order_id) WHERE p.category = 'electronics' AND o.status <> 'cancelled' AND o.ordered_at >= date_trunc('year', current_date) - interval '1 year' AND o.ordered_at < date_trunc('year', current_date)"],
  ["Largest order ever?", "SELECT o.order_id, sum(oi.quantity * oi.unit_price) AS total FROM orders o JOIN order_items oi USING (order_id) GROUP BY o.order_id ORDER BY total DESC LIMIT 1"],
];

/** Long and stable (schema, rules, examples): a provider caches it after the first call. */
export const GENERATION_PROMPT = `${STAGE_MARKERS.generation} You write PostgreSQL for an online shop's analytics.
Schema:
${SCHEMA_DESCRIPTION}
Columns:
${COLUMN_DOCS}
Rules:
${GUIDELINES.map((g, i) => `${i + 1}. ${g}`).join("\n")}
Examples:
${EXAMPLES.map(([q, sql]) => `Q: ${q}\n\`\`\`sql\n${sql}\n\`\`\``).join("\n")}`;

export const CORRECTION_PROMPT = `${STAGE_MARKERS.correction} The SQL below failed validation on PostgreSQL. Fix it.
Schema:
${SCHEMA_DESCRIPTION}
Answer with the corrected SQL in a \`\`\`sql fenced block and nothing else.`;

export function generationInput(question: string, plan: string): string {
  return `Question: ${question}\nPlan: ${plan}`;
}

export function correctionInput(question: string, sql: string, error: string, attempt: number): string {
  return `Question: ${question}\nAttempt: ${attempt}\nSQL: ${sql}\nError: ${error}`;
}

/** The SQL inside a model's answer (a fenced block, or the whole answer). */
export function extractSql(answer: string): string {
  const fenced = /```(?:sql)?\s*([\s\S]*?)```/i.exec(answer);
  return (fenced ? fenced[1]! : answer).trim();
}
