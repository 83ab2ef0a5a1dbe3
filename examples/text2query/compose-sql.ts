import type { Dimension, QuestionParts } from "./question-parts.js";

/**
 * Composes one PostgreSQL SELECT from a question's parts (question-parts.ts), following the conventions the
 * generation prompt states: revenue = sum(quantity × unit_price) and units sold count orders not cancelled
 * unless a status is asked for; periods are relative to current_date.
 */
export interface ComposedQuery {
  sql: string;
  tables: string[];
  plan: string;
}

const REVENUE = "sum(oi.quantity * oi.unit_price)";
const TIME_DIMENSIONS = new Set<Dimension>(["month", "year", "week", "day"]);

function groupColumn(d: Dimension, date: string): { select: string; group: string } {
  switch (d) {
    case "status":
      return { select: "o.status", group: "o.status" };
    case "country":
      return { select: "c.country", group: "c.country" };
    case "category":
      return { select: "p.category", group: "p.category" };
    case "product":
      return { select: "p.name", group: "p.product_id, p.name" };
    case "customer":
      return { select: "c.name", group: "c.customer_id, c.name" };
    case "year":
      return { select: `extract(year FROM ${date})::int AS year`, group: "1" };
    case "day":
      return { select: `${date} AS day`, group: "1" };
    default:
      return { select: `date_trunc('${d}', ${date})::date AS ${d}`, group: "1" };
  }
}

function periodFilter(p: QuestionParts, column: string): string[] {
  if (p.period === undefined) return [];
  return [`${column} >= ${p.period.from}`, ...(p.period.to !== undefined ? [`${column} < ${p.period.to}`] : [])];
}

const where = (conditions: string[]) => (conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "");

function ordering(p: QuestionParts, measure: string, grouped: boolean): string {
  if (p.order !== undefined) return ` ORDER BY ${measure} ${p.order.toUpperCase()}${p.limit !== undefined ? ` LIMIT ${p.limit}` : ""}`;
  if (!grouped) return "";
  return p.groupBy !== undefined && TIME_DIMENSIONS.has(p.groupBy) ? " ORDER BY 1" : ` ORDER BY ${measure} DESC`;
}

/** Customers who never ordered, products never ordered: anti-joins. */
function never(p: QuestionParts): ComposedQuery {
  if (p.subject === "products") {
    const conditions = ["NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.product_id)", ...(p.category ? [`p.category = '${p.category}'`] : [])];
    const select = p.measure === "count" ? "count(*) AS products" : "p.name, p.category";
    return { sql: `SELECT ${select} FROM products p${where(conditions)}${p.measure === "count" ? "" : " ORDER BY p.name"}`, tables: ["products", "order_items"], plan: "Products with no order_items row (an anti-join)." };
  }
  const inner = ["o.customer_id = c.customer_id", ...periodFilter(p, "o.ordered_at")];
  const conditions = [`NOT EXISTS (SELECT 1 FROM orders o WHERE ${inner.join(" AND ")})`, ...(p.country ? [`c.country = '${p.country}'`] : [])];
  const select = p.measure === "count" ? "count(*) AS customers" : "c.name, c.email";
  return { sql: `SELECT ${select} FROM customers c${where(conditions)}${p.measure === "count" ? "" : " ORDER BY c.name"}`, tables: ["customers", "orders"], plan: "Customers with no orders (an anti-join with NOT EXISTS)." };
}

/** Customers with more than N orders (in the period, of a status). */
function frequentCustomers(p: QuestionParts): ComposedQuery {
  const conditions = [...(p.status ? [`o.status = '${p.status}'`] : []), ...periodFilter(p, "o.ordered_at"), ...(p.country ? [`c.country = '${p.country}'`] : [])];
  const inner = `SELECT c.customer_id, c.name, count(*) AS orders FROM customers c JOIN orders o USING (customer_id)${where(conditions)} GROUP BY c.customer_id, c.name HAVING count(*) > ${p.moreThanOrders}`;
  const sql = p.measure === "count" ? `SELECT count(*) AS customers FROM (${inner}) t` : `SELECT name, orders FROM (${inner}) t ORDER BY orders DESC`;
  return { sql, tables: ["customers", "orders"], plan: `Count orders per customer, keep customers with more than ${p.moreThanOrders}.` };
}

/** Questions about customers themselves: how many, who, signed up when, from where. */
function customers(p: QuestionParts): ComposedQuery {
  const conditions = [...(p.country ? [`c.country = '${p.country}'`] : []), ...periodFilter(p, "c.signed_up_at")];
  if (p.measure === "list" && p.groupBy === undefined) return { sql: `SELECT c.name, c.country, c.signed_up_at FROM customers c${where(conditions)} ORDER BY c.name`, tables: ["customers"], plan: "List customers matching the filters." };
  const g = p.groupBy !== undefined && p.groupBy !== "customer" && p.groupBy !== "status" ? groupColumn(p.groupBy, "c.signed_up_at") : undefined;
  const sql = `SELECT ${g ? `${g.select}, ` : ""}count(*) AS customers FROM customers c${where(conditions)}${g ? ` GROUP BY ${g.group}` : ""}${ordering(p, "customers", g !== undefined)}`;
  return { sql, tables: ["customers"], plan: `Count customers${g ? ` grouped by ${p.groupBy}` : ""}${p.period ? `, signed up ${p.period.label}` : ""}.` };
}

/** Questions about the catalog: how many products, which, prices. */
function catalog(p: QuestionParts): ComposedQuery {
  const conditions = p.category ? [`p.category = '${p.category}'`] : [];
  const byCategory = p.groupBy === "category";
  if (p.measure === "average_price") {
    const sql = `SELECT ${byCategory ? "p.category, " : ""}round(avg(p.price), 2) AS average_price FROM products p${where(conditions)}${byCategory ? " GROUP BY p.category ORDER BY p.category" : ""}`;
    return { sql, tables: ["products"], plan: "Average list price of products." };
  }
  if (p.measure === "price") {
    const order = p.order === "asc" ? "ASC" : "DESC";
    const limit = p.order !== undefined ? ` LIMIT ${p.limit ?? 1}` : "";
    return { sql: `SELECT p.name, p.price FROM products p${where(conditions)} ORDER BY p.price ${order}${limit}`, tables: ["products"], plan: "Products ordered by list price." };
  }
  if (p.measure === "count") {
    const sql = `SELECT ${byCategory ? "p.category, " : ""}count(*) AS products FROM products p${where(conditions)}${byCategory ? " GROUP BY p.category ORDER BY products DESC" : ""}`;
    return { sql, tables: ["products"], plan: `Count products${byCategory ? " per category" : ""}.` };
  }
  return { sql: `SELECT p.name, p.category, p.price FROM products p${where(conditions)} ORDER BY p.name`, tables: ["products"], plan: "List products matching the filters." };
}

/** Share of orders with a status (cancelled unless another is named), in percent. */
function share(p: QuestionParts): ComposedQuery {
  const status = p.status ?? "cancelled";
  const g = p.groupBy !== undefined && p.groupBy !== "status" && p.groupBy !== "category" && p.groupBy !== "product" ? groupColumn(p.groupBy, "o.ordered_at") : undefined;
  const joins = p.country !== undefined || g?.select.startsWith("c.") ? " JOIN customers c USING (customer_id)" : "";
  const conditions = [...periodFilter(p, "o.ordered_at"), ...(p.country ? [`c.country = '${p.country}'`] : [])];
  const measure = `${status}_percent`;
  const sql = `SELECT ${g ? `${g.select}, ` : ""}round(100.0 * count(*) FILTER (WHERE o.status = '${status}') / count(*), 1) AS ${measure} FROM orders o${joins}${where(conditions)}${g ? ` GROUP BY ${g.group}` : ""}${ordering(p, measure, g !== undefined)}`;
  return { sql, tables: joins ? ["orders", "customers"] : ["orders"], plan: `Percentage of orders with status ${status}.` };
}

/** Counts of orders, revenue, units sold, average order value: facts about orders, grouped and filtered. */
function orders(p: QuestionParts): ComposedQuery {
  let measure = p.measure;
  if (measure === "list" && (p.groupBy !== undefined || p.order !== undefined))
    measure = p.subject === "products" || p.groupBy === "product" ? "units" : p.groupBy === "customer" && !p.mentionsOrders ? "revenue" : "count";
  const g = p.groupBy !== undefined ? groupColumn(p.groupBy, "o.ordered_at") : undefined;
  const needsProducts = p.category !== undefined || p.groupBy === "category" || p.groupBy === "product";
  const needsItems = needsProducts || measure === "revenue" || measure === "units" || measure === "average_order_value";
  const needsCustomers = p.country !== undefined || p.customerName !== undefined || p.groupBy === "country" || p.groupBy === "customer";
  const from = `orders o${needsCustomers ? " JOIN customers c USING (customer_id)" : ""}${needsItems ? " JOIN order_items oi USING (order_id)" : ""}${needsProducts ? " JOIN products p USING (product_id)" : ""}`;
  const tables = ["orders", ...(needsCustomers ? ["customers"] : []), ...(needsItems ? ["order_items"] : []), ...(needsProducts ? ["products"] : [])];
  const sales = measure === "revenue" || measure === "units" || measure === "average_order_value";
  const conditions = [
    ...(p.status ? [`o.status = '${p.status}'`] : sales ? ["o.status <> 'cancelled'"] : []),
    ...(p.country ? [`c.country = '${p.country}'`] : []),
    ...(p.customerName ? [`c.name = '${p.customerName.replace(/'/g, "''")}'`] : []),
    ...(p.category ? [`p.category = '${p.category}'`] : []),
    ...periodFilter(p, "o.ordered_at"),
  ];
  if (measure === "list") {
    return { sql: `SELECT o.order_id, o.status, o.ordered_at FROM ${from}${where(conditions)} ORDER BY o.ordered_at DESC, o.order_id DESC LIMIT 100`, tables, plan: "List the most recent matching orders." };
  }
  if (measure === "average_order_value") {
    const inner = `SELECT o.order_id${g ? `, ${g.select.replace(/ AS \w+$/, "")} AS dimension` : ""}, ${REVENUE} AS order_total FROM ${from}${where(conditions)} GROUP BY o.order_id${g ? ", 2" : ""}`;
    const name = g ? (/ AS (\w+)$/.exec(g.select)?.[1] ?? p.groupBy!) : "";
    const sql = `SELECT ${g ? `dimension AS ${name}, ` : ""}round(avg(order_total), 2) AS average_order_value FROM (${inner}) t${g ? ` GROUP BY 1${ordering(p, "average_order_value", true)}` : ""}`;
    return { sql, tables, plan: "Sum each order's items (orders not cancelled), then average the order totals." };
  }
  // Customers counted over orders ("customers who ordered last month") are distinct customers.
  const countCustomers = measure === "count" && p.subject === "customers" && p.groupBy !== "customer" && p.customerName === undefined;
  const [expr, alias] =
    measure === "revenue" ? [REVENUE, "revenue"] : measure === "units" ? ["sum(oi.quantity)", "units"] : countCustomers ? ["count(DISTINCT o.customer_id)", "customers"] : [needsItems ? "count(DISTINCT o.order_id)" : "count(*)", "orders"];
  const sql = `SELECT ${g ? `${g.select}, ` : ""}${expr} AS ${alias} FROM ${from}${where(conditions)}${g ? ` GROUP BY ${g.group}` : ""}${ordering(p, alias, g !== undefined)}`;
  const filters = [p.status && `status ${p.status}`, p.country && `country ${p.country}`, p.category && `category ${p.category}`, p.period?.label].filter(Boolean).join(", ");
  return { sql, tables, plan: `${alias === "orders" ? "Count orders" : alias === "customers" ? "Count distinct customers who ordered" : alias === "units" ? "Sum units sold" : "Sum revenue (quantity × unit price)"}${g ? ` per ${p.groupBy}` : ""}${sales && !p.status ? " of orders not cancelled" : ""}${filters ? `; filters: ${filters}` : ""}${p.order ? `; ${p.order === "desc" ? "top" : "bottom"} ${p.limit}` : ""}.` };
}

export function composeSql(p: QuestionParts): ComposedQuery {
  if (p.never) return never(p);
  if (p.moreThanOrders !== undefined) return frequentCustomers(p);
  if (p.measure === "share") return share(p);
  const aboutCustomers = p.subject === "customers" && (p.measure === "count" || p.measure === "list") && (p.signups || p.period === undefined) && p.customerName === undefined;
  if (aboutCustomers && p.groupBy !== "customer" && p.groupBy !== "status" && p.groupBy !== "category" && p.groupBy !== "product" && (p.order === undefined || p.groupBy !== undefined))
    return customers(p);
  if (p.subject === "products" && ["count", "list", "price", "average_price"].includes(p.measure) && p.groupBy !== "product" && p.order === undefined) return catalog(p);
  if (p.measure === "price" || p.measure === "average_price") return catalog(p);
  return orders(p);
}
