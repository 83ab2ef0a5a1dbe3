import { filterLabel, groupColumn, literal, orderFilters, ordering, periodFilter, REVENUE, where, type ComposedQuery } from "./compose-common.js";
import { averagePerEntity, share, threshold } from "./compose-derived.js";
import type { QuestionParts } from "./question-parts.js";

/**
 * Composes one PostgreSQL SELECT from a question's parts (question-parts.ts), following the conventions the
 * generation prompt states: revenue = sum(quantity × unit_price) and units sold count orders not cancelled
 * unless a status is asked for; periods are relative to current_date. Thresholds, averages per entity and
 * shares are in compose-derived.ts.
 */
export type { ComposedQuery } from "./compose-common.js";

/** Customers who never ordered, products never ordered: anti-joins. */
function never(p: QuestionParts): ComposedQuery {
  if (p.subject === "products") {
    // Never bought: no order that was not cancelled (what was sold); never ordered: no order at all.
    const sold = p.buying === true ? "SELECT 1 FROM order_items oi JOIN orders o USING (order_id) WHERE oi.product_id = p.product_id AND o.status <> 'cancelled'" : "SELECT 1 FROM order_items oi WHERE oi.product_id = p.product_id";
    const conditions = [`NOT EXISTS (${sold})`, ...(p.category ? [`p.category = '${p.category}'`] : [])];
    const select = p.measure === "count" ? "count(*) AS products" : "p.name, p.category";
    return { sql: `SELECT ${select} FROM products p${where(conditions)}${p.measure === "count" ? "" : " ORDER BY p.name"}`, tables: ["products", "order_items", ...(p.buying === true ? ["orders"] : [])], plan: `Products with no order_items row${p.buying === true ? " of an order not cancelled" : ""} (an anti-join).` };
  }
  const inner = ["o.customer_id = c.customer_id", ...(p.buying === true ? ["o.status <> 'cancelled'"] : []), ...periodFilter(p, "o.ordered_at")];
  const conditions = [`NOT EXISTS (SELECT 1 FROM orders o WHERE ${inner.join(" AND ")})`, ...(p.country ? [`c.country = '${p.country}'`] : [])];
  const select = p.measure === "count" ? "count(*) AS customers" : "c.name, c.email";
  return { sql: `SELECT ${select} FROM customers c${where(conditions)}${p.measure === "count" ? "" : " ORDER BY c.name"}`, tables: ["customers", "orders"], plan: `Customers with no orders${p.buying === true ? " that were not cancelled" : ""} (an anti-join with NOT EXISTS).` };
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
  const conditions = [...(p.category ? [`p.category = '${p.category}'`] : []), ...(p.product ? [`p.name = ${literal(p.product)}`] : [])];
  const byCategory = p.groupBy === "category";
  if (p.measure === "average_price") {
    const sql = `SELECT ${byCategory ? "p.category, " : ""}round(avg(p.price), 2) AS average_price FROM products p${where(conditions)}${byCategory ? " GROUP BY p.category ORDER BY p.category" : ""}`;
    return { sql, tables: ["products"], plan: "Average list price of products." };
  }
  if (p.measure === "price" && byCategory) {
    const order = p.order === "asc" ? "ASC" : "DESC";
    const sql = `SELECT DISTINCT ON (p.category) p.category, p.name, p.price FROM products p${where(conditions)} ORDER BY p.category, p.price ${order}`;
    return { sql, tables: ["products"], plan: `The ${order === "ASC" ? "cheapest" : "most expensive"} product of each category.` };
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

/** Counts of orders, revenue, units sold, average order value: facts about orders, grouped and filtered. */
function orders(p: QuestionParts): ComposedQuery {
  let measure = p.measure;
  if (measure === "list" && (p.groupBy !== undefined || p.order !== undefined))
    measure = p.subject === "products" || p.groupBy === "product" ? "units" : p.groupBy === "customer" && !p.mentionsOrders ? "revenue" : "count";
  // Orders ranked for a customer question ("which customer placed the biggest order?") name who placed them.
  const placedBy = p.groupBy === "order" && p.subject === "customers";
  const g = placedBy ? { select: "c.name, o.order_id", group: "o.order_id, c.name" } : p.groupBy !== undefined ? groupColumn(p.groupBy, "o.ordered_at") : undefined;
  const f = orderFilters(p);
  const productList = measure === "list" && p.subject === "products";
  const needsProducts = f.products || p.groupBy === "category" || p.groupBy === "product" || productList;
  const needsItems = needsProducts || (measure === "count" && p.subject === "products" && p.groupBy !== "product") || measure === "revenue" || measure === "units" || measure === "average_order_value";
  const needsCustomers = f.customers || p.groupBy === "country" || p.groupBy === "customer" || placedBy;
  const from = `orders o${needsCustomers ? " JOIN customers c USING (customer_id)" : ""}${needsItems ? " JOIN order_items oi USING (order_id)" : ""}${needsProducts ? " JOIN products p USING (product_id)" : ""}`;
  const tables = ["orders", ...(needsCustomers ? ["customers"] : []), ...(needsItems ? ["order_items"] : []), ...(needsProducts ? ["products"] : [])];
  // What was sold (revenue, units, what was bought) leaves cancelled orders out; counting orders counts them all.
  const sales = measure === "revenue" || measure === "units" || measure === "average_order_value" || p.buying === true;
  const conditions = [...(sales && !p.status ? ["o.status <> 'cancelled'"] : []), ...f.conditions];
  if (productList) return { sql: `SELECT DISTINCT p.name FROM ${from}${where(conditions)} ORDER BY p.name`, tables, plan: `Products in matching orders${filterLabel(p)}.` };
  // "Which customers bought the Mini Drone?": the customers, once each.
  if (measure === "list" && p.subject === "customers") {
    const joined = needsCustomers ? from : from.replace(/^orders o/, "orders o JOIN customers c USING (customer_id)");
    return { sql: `SELECT DISTINCT c.name FROM ${joined}${where(conditions)} ORDER BY c.name`, tables: needsCustomers ? tables : [...tables, "customers"], plan: `Customers with matching orders${filterLabel(p)}.` };
  }
  if (measure === "date") {
    const [agg, alias] = p.when === "first" ? ["min", "first_ordered_at"] : ["max", "last_ordered_at"];
    const sql = `SELECT ${g ? `${g.select}, ` : ""}${agg}(o.ordered_at) AS ${alias} FROM ${from}${where(conditions)}${g ? ` GROUP BY ${g.group}${ordering(p, alias, true)}` : ""}`;
    return { sql, tables, plan: `The ${p.when === "first" ? "earliest" : "latest"} order date${sales && !p.status ? " of orders not cancelled" : ""}${filterLabel(p)}.` };
  }
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
  // Products counted over orders ("how many different products has Ava bought") are distinct products.
  const countProducts = measure === "count" && p.subject === "products" && p.groupBy !== "product";
  const [expr, alias] =
    measure === "revenue" ? [g ? REVENUE : `coalesce(${REVENUE}, 0)`, "revenue"] : measure === "units" ? [g ? "sum(oi.quantity)" : "coalesce(sum(oi.quantity), 0)", "units"] : countCustomers ? ["count(DISTINCT o.customer_id)", "customers"] : countProducts ? ["count(DISTINCT oi.product_id)", "products"] : [needsItems ? "count(DISTINCT o.order_id)" : "count(*)", "orders"];
  const sql = `SELECT ${g ? `${g.select}, ` : ""}${expr} AS ${alias} FROM ${from}${where(conditions)}${g ? ` GROUP BY ${g.group}` : ""}${ordering(p, alias, g !== undefined)}`;
  return { sql, tables, plan: `${alias === "orders" ? "Count orders" : alias === "customers" ? "Count distinct customers who ordered" : alias === "products" ? "Count distinct products ordered" : alias === "units" ? "Sum units sold" : "Sum revenue (quantity × unit price)"}${g ? ` per ${p.groupBy}` : ""}${sales && !p.status ? " of orders not cancelled" : ""}${filterLabel(p)}${p.order ? `; ${p.order === "desc" ? "top" : "bottom"} ${p.limit}` : ""}.` };
}

const ORDER_FILTERS = (p: QuestionParts) => p.status !== undefined || p.country !== undefined || p.customerName !== undefined || p.period !== undefined;

/**
 * Combinations of parts the composers below cannot express: the demo asks back naming them rather than leave
 * one out (a grouping, a ranking or a filter silently dropped is a confidently wrong answer).
 */
export function unsupported(p: QuestionParts): string | undefined {
  if (p.measure === "share") return undefined;
  if (p.never && ((p.groupBy !== undefined && p.groupBy !== "product" && p.groupBy !== "customer") || p.measure === "average_order_value" || (p.subject === "products" && ORDER_FILTERS(p)))) return "never ordered, combined with a grouping, an average or an order filter";
  if (p.threshold !== undefined && (p.groupBy !== undefined || p.order !== undefined)) return "a threshold combined with a grouping or a ranking";
  if (p.measure === "date" && (p.never || p.threshold !== undefined || p.averagePer !== undefined)) return "a date combined with never, a threshold or an average";
  if (p.averagePer !== undefined && p.order !== undefined) return "an average per entity combined with a ranking";
  if (p.measure === "average_order_value" && (p.groupBy === "category" || p.groupBy === "product")) return "an average order value by category or product (an order holds several)";
  if ((p.measure === "price" || p.measure === "average_price") && (ORDER_FILTERS(p) || (p.groupBy !== undefined && p.groupBy !== "category" && p.groupBy !== "product")))
    return "list prices by order, customer or period (products have one current list price)";
  const catalogOnly = p.subject === "products" && ["count", "list"].includes(p.measure) && p.order === undefined && !ORDER_FILTERS(p);
  if (catalogOnly && p.measure === "count" && p.product !== undefined) return `how many of the product ${p.product} (sold? ordered? in stock?)`;
  if (catalogOnly && p.groupBy !== undefined && p.groupBy !== "category" && p.groupBy !== "product") return `products per ${p.groupBy}`;
  return undefined;
}

/** "When did Ava Thompson sign up?": the earliest or latest sign-up date of the customers matching. */
function signupDate(p: QuestionParts): ComposedQuery {
  const conditions = [...(p.country ? [`c.country = '${p.country}'`] : []), ...(p.customerName ? [`c.name = ${literal(p.customerName)}`] : []), ...periodFilter(p, "c.signed_up_at")];
  const [agg, alias] = p.when === "last" ? ["max", "last_signed_up_at"] : ["min", "first_signed_up_at"];
  return { sql: `SELECT ${agg}(c.signed_up_at) AS ${alias} FROM customers c${where(conditions)}`, tables: ["customers"], plan: `The ${p.when === "last" ? "latest" : "earliest"} sign-up date${filterLabel(p)}.` };
}

export function composeSql(p: QuestionParts): ComposedQuery {
  if (p.measure === "date" && p.signups) return signupDate(p);
  if (p.measure === "share") return share(p);
  if (p.never) return never(p);
  if (p.threshold !== undefined) return threshold(p);
  if (p.averagePer !== undefined) return averagePerEntity(p);
  const aboutCustomers = p.subject === "customers" && (p.measure === "count" || p.measure === "list") && (p.signups || p.period === undefined) && p.customerName === undefined && !p.status && !p.category && !p.product;
  if (aboutCustomers && p.groupBy !== "customer" && p.groupBy !== "status" && p.groupBy !== "category" && p.groupBy !== "product" && (p.order === undefined || p.groupBy !== undefined))
    return customers(p);
  const aboutCatalog = p.subject === "products" && ["count", "list", "price", "average_price"].includes(p.measure) && p.groupBy !== "product" && p.order === undefined && !p.status && !p.country && !p.customerName && p.period === undefined;
  if (aboutCatalog) return catalog(p);
  if (p.measure === "price" || p.measure === "average_price") return catalog(p);
  return orders(p);
}
