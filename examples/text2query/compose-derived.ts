import { groupColumn, literal, orderFilters, ordering, periodFilter, REVENUE, TIME_DIMENSIONS, where, type ComposedQuery } from "./compose-common.js";
import type { Base, Dimension, QuestionParts } from "./question-parts.js";

/**
 * SQL for what is computed per entity first: thresholds ("customers with exactly 2 orders", "orders over
 * $500"), averages per entity ("items per order", "spend per customer") and shares ("each country's share of
 * customers", "share of revenue from electronics").
 */

const OP_WORDS = { ">": "more than", ">=": "at least", "=": "exactly", "<": "fewer than", "<=": "at most" } as const;

/** Joins for orders, their customers and products, as the filters need them. */
function ordersFrom(items: boolean, customers: boolean, products: boolean): { from: string; tables: string[] } {
  return {
    from: `orders o${customers ? " JOIN customers c USING (customer_id)" : ""}${items || products ? " JOIN order_items oi USING (order_id)" : ""}${products ? " JOIN products p USING (product_id)" : ""}`,
    tables: ["orders", ...(customers ? ["customers"] : []), ...(items || products ? ["order_items"] : []), ...(products ? ["products"] : [])],
  };
}

/** Customers, orders or products whose count or amount passes a threshold; counted, or listed with the amount. */
export function threshold(p: QuestionParts): ComposedQuery {
  const t = p.threshold!;
  const cmp = `${t.op} ${t.value}`;
  const label = `${OP_WORDS[t.op]} ${t.value}`;
  if (t.entity === "product" && t.of === "price") {
    const conditions = [`p.price ${cmp}`, ...(p.category ? [`p.category = '${p.category}'`] : [])];
    const sql = p.measure === "count" ? `SELECT count(*) AS products FROM products p${where(conditions)}` : `SELECT p.name, p.price FROM products p${where(conditions)} ORDER BY p.price DESC, p.name`;
    return { sql, tables: ["products"], plan: `Products with a list price ${label}.` };
  }
  const sales = t.of === "revenue" || t.of === "units";
  if (t.entity === "order") {
    const f = orderFilters(p);
    const agg = t.of === "revenue" ? REVENUE : t.of === "units" ? "sum(oi.quantity)" : "count(*)";
    const { from, tables } = ordersFrom(true, f.customers, f.products);
    // An order's amount is what was sold ("orders over $500" leaves cancelled ones out); its size is not.
    const sold = (t.of === "revenue" || p.buying === true) && !p.status;
    const conditions = [...f.conditions, ...(sold ? ["o.status <> 'cancelled'"] : [])];
    const inner = `SELECT o.order_id, ${agg} AS total FROM ${from}${where(conditions)} GROUP BY o.order_id HAVING ${agg} ${cmp}`;
    const sql = p.measure === "count" ? `SELECT count(*) AS orders FROM (${inner}) t` : `SELECT order_id, total FROM (${inner}) t ORDER BY total DESC, order_id`;
    return { sql, tables, plan: `Orders whose ${t.of === "revenue" ? "total" : t.of === "units" ? "units" : "number of products"} is ${label}${sold ? " (orders not cancelled)" : ""}.` };
  }
  // Customers and products: LEFT JOINs so that those with none count as 0 ("fewer than 2 orders" includes none);
  // conditions on orders go into FILTER, conditions on the entity into WHERE.
  const f = orderFilters(p, t.entity === "customer" ? ["country", "customer"] : ["category", "product"]);
  const conditions = [...f.conditions, ...((sales || p.buying === true) && !p.status ? ["o.status <> 'cancelled'"] : [])];
  const filter = conditions.length > 0 ? ` FILTER (WHERE ${conditions.join(" AND ")})` : "";
  const value = t.of === "orders" ? `count(DISTINCT o.order_id)${filter}` : `coalesce(${t.of === "revenue" ? REVENUE : t.of === "units" ? "sum(oi.quantity)" : "count(oi.product_id)"}${filter}, 0)`;
  const needsItems = t.of !== "orders" || f.products || t.entity === "product";
  if (t.entity === "customer") {
    const from = `customers c LEFT JOIN orders o ON o.customer_id = c.customer_id${needsItems ? " LEFT JOIN order_items oi ON oi.order_id = o.order_id" : ""}${f.products ? " LEFT JOIN products p ON p.product_id = oi.product_id" : ""}`;
    const entity = [...(p.country ? [`c.country = '${p.country}'`] : []), ...(p.customerName ? [`c.name = ${literal(p.customerName)}`] : [])];
    const name = t.of === "revenue" ? "spent" : t.of === "orders" ? "orders" : "units";
    const inner = `SELECT c.customer_id, c.name, ${value} AS ${name} FROM ${from}${where(entity)} GROUP BY c.customer_id, c.name HAVING ${value} ${cmp}`;
    const sql = p.measure === "count" ? `SELECT count(*) AS customers FROM (${inner}) t` : `SELECT name, ${name} FROM (${inner}) t ORDER BY ${name} DESC, name`;
    return { sql, tables: ["customers", "orders", ...(needsItems ? ["order_items"] : []), ...(f.products ? ["products"] : [])], plan: `Per customer, ${name === "spent" ? "revenue of orders not cancelled" : name}; keep customers with ${label}.` };
  }
  const from = `products p LEFT JOIN order_items oi ON oi.product_id = p.product_id LEFT JOIN orders o ON o.order_id = oi.order_id${f.customers ? " LEFT JOIN customers c ON c.customer_id = o.customer_id" : ""}`;
  const entity = [...(p.category ? [`p.category = '${p.category}'`] : []), ...(p.product ? [`p.name = ${literal(p.product)}`] : [])];
  const name = t.of === "revenue" ? "revenue" : t.of === "orders" ? "orders" : "units";
  const inner = `SELECT p.product_id, p.name, ${value} AS ${name} FROM ${from}${where(entity)} GROUP BY p.product_id, p.name HAVING ${value} ${cmp}`;
  const sql = p.measure === "count" ? `SELECT count(*) AS products FROM (${inner}) t` : `SELECT name, ${name} FROM (${inner}) t ORDER BY ${name} DESC, name`;
  return { sql, tables: ["products", "order_items", "orders", ...(f.customers ? ["customers"] : [])], plan: `Per product, ${name}; keep products with ${label}.` };
}

function entityKey(d: Dimension): string {
  switch (d) {
    case "order":
      return "o.order_id";
    case "customer":
      return "o.customer_id";
    case "product":
      return "oi.product_id";
    case "country":
      return "c.country";
    case "category":
      return "p.category";
    case "status":
      return "o.status";
    case "day":
      return "o.ordered_at";
    default:
      return `date_trunc('${d}', o.ordered_at)`;
  }
}

function baseAggregate(base: Base, items: boolean): string {
  return base === "revenue" ? REVENUE : base === "units" ? "sum(oi.quantity)" : base === "lines" ? "count(*)" : base === "customers" ? "count(DISTINCT o.customer_id)" : items ? "count(DISTINCT o.order_id)" : "count(*)";
}

/**
 * The average over entities of a total per entity: "items per order" = avg over orders of their units. Entities
 * are those that appear (customers who ordered, days with orders). Revenue and units sold leave cancelled
 * orders out (an order's own size, "items per order", does not).
 */
export function averagePerEntity(p: QuestionParts): ComposedQuery {
  const per = p.averagePer!;
  const base = p.base ?? "orders";
  // Customers per country: from the customers themselves, not from who ordered.
  if (base === "customers" && per === "country" && !p.status && !p.category && !p.product && !p.period) {
    const sql = `SELECT round(avg(x), 2) AS average_customers_per_country FROM (SELECT c.country, count(*) AS x FROM customers c${p.country ? ` WHERE c.country = '${p.country}'` : ""} GROUP BY 1) t`;
    return { sql, tables: ["customers"], plan: "Count customers per country, then the average over countries." };
  }
  const f = orderFilters(p);
  const items = base === "revenue" || base === "units" || base === "lines" || per === "product" || per === "category" || f.products;
  const customers = f.customers || per === "country";
  const products = f.products || per === "category";
  const { from, tables } = ordersFrom(items, customers, products);
  const sales = (base === "revenue" || (base === "units" && per !== "order") || p.buying === true) && !p.status;
  const conditions = [...f.conditions, ...(sales ? ["o.status <> 'cancelled'"] : [])];
  const name = `${base === "lines" ? "products" : base}_per_${per}`;
  const sql = `SELECT round(avg(x), 2) AS average_${name} FROM (SELECT ${entityKey(per)} AS entity, ${baseAggregate(base, items)} AS x FROM ${from}${where(conditions)} GROUP BY 1) t`;
  return { sql, tables, plan: `Total ${base === "lines" ? "distinct products" : base} per ${per}${sales ? " (orders not cancelled)" : ""}, then the average over ${per}s.` };
}

/** The part of a share: a status, product, category, customer or country (the first named), or customers who never ordered. */
function sharePart(p: QuestionParts): { key: "status" | "product" | "category" | "customer" | "country" | "never" | "signups"; condition: string } | undefined {
  if (p.base === "products") {
    if (p.never) return { key: "never", condition: "NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.product_id)" };
    if (p.category) return { key: "category", condition: `p.category = '${p.category}'` };
    return undefined;
  }
  if (p.base === "customers") {
    if (p.never) return { key: "never", condition: "NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)" };
    if (p.signups && p.period) return { key: "signups", condition: periodFilter(p, "c.signed_up_at").join(" AND ") };
    if (p.country) return { key: "country", condition: `c.country = '${p.country}'` };
    return undefined;
  }
  if (p.status) return { key: "status", condition: `o.status = '${p.status}'` };
  if (p.product) return { key: "product", condition: `p.name = ${literal(p.product)}` };
  if (p.category) return { key: "category", condition: `p.category = '${p.category}'` };
  if (p.customerName) return { key: "customer", condition: `c.name = ${literal(p.customerName)}` };
  if (p.country) return { key: "country", condition: `c.country = '${p.country}'` };
  return undefined;
}

/** A share in percent: of a part ("cancelled", "electronics", "US") within the rest of the filters, or each group's share of the total. */
export function share(p: QuestionParts): ComposedQuery {
  const part = sharePart(p);
  const base = p.base ?? "orders";
  const g = p.groupBy !== undefined ? groupColumn(p.groupBy, base === "customers" ? "c.signed_up_at" : "o.ordered_at") : undefined;
  const order = (measure: string) => (g ? (p.groupBy !== undefined && TIME_DIMENSIONS.has(p.groupBy) ? " ORDER BY 1" : ordering({ ...p, order: p.order ?? "desc" }, measure, true)) : "");
  if (base === "products") {
    const measure = part ? `${part.key}_percent` : "products_share_percent";
    const value = part ? `round(100.0 * count(*) FILTER (WHERE ${part.condition}) / count(*), 1)` : "round(100.0 * count(*) / sum(count(*)) OVER (), 1)";
    const sql = `SELECT ${g ? `${g.select}, ` : ""}${value} AS ${measure} FROM products p${g ? ` GROUP BY ${g.group}` : ""}${order(measure)}`;
    return { sql, tables: ["products", ...(part?.key === "never" ? ["order_items"] : [])], plan: `Percentage of products${part ? ` (${part.key})` : ` per ${p.groupBy}`}.` };
  }
  if (base === "customers") {
    const conditions = [...(p.country && part?.key !== "country" ? [`c.country = '${p.country}'`] : []), ...(part?.key !== "signups" ? periodFilter(p, "c.signed_up_at") : [])];
    const measure = part ? `${part.key}_percent` : "customers_share_percent";
    const value = part ? `round(100.0 * count(*) FILTER (WHERE ${part.condition}) / count(*), 1)` : "round(100.0 * count(*) / sum(count(*)) OVER (), 1)";
    const sql = `SELECT ${g ? `${g.select}, ` : ""}${value} AS ${measure} FROM customers c${where(conditions)}${g ? ` GROUP BY ${g.group}` : ""}${order(measure)}`;
    return { sql, tables: ["customers", ...(part?.key === "never" ? ["orders"] : [])], plan: `Percentage of customers${part ? ` (${part.key})` : ` per ${p.groupBy}`}.` };
  }
  const omit = part ? [part.key as "status" | "product" | "category" | "country"] : [];
  const f = orderFilters(p, part?.key === "customer" ? ["customer"] : omit);
  const items = base !== "orders" || f.products || part?.key === "product" || part?.key === "category" || p.groupBy === "category" || p.groupBy === "product";
  const customers = f.customers || part?.key === "country" || part?.key === "customer" || p.groupBy === "country" || p.groupBy === "customer";
  const products = f.products || part?.key === "product" || part?.key === "category" || p.groupBy === "category" || p.groupBy === "product";
  const { from, tables } = ordersFrom(items, customers, products);
  const sales = (base === "revenue" || base === "units") && part?.key !== "status" && !p.status;
  const conditions = [...f.conditions, ...(sales ? ["o.status <> 'cancelled'"] : [])];
  const agg = baseAggregate(base, items);
  const measure = part ? `${part.key === "status" ? p.status : part.key}_percent` : `${base}_share_percent`;
  const value = part ? `round(100.0 * ${agg} FILTER (WHERE ${part.condition}) / ${agg}, 1)` : `round(100.0 * ${agg} / sum(${agg}) OVER (), 1)`;
  const sql = `SELECT ${g ? `${g.select}, ` : ""}${value} AS ${measure} FROM ${from}${where(conditions)}${g ? ` GROUP BY ${g.group}` : ""}${order(measure)}`;
  return { sql, tables, plan: `Percentage of ${base}${part ? ` that are ${part.key} ${p.status ?? p.product ?? p.category ?? p.customerName ?? p.country ?? ""}` : ` per ${p.groupBy}`}${sales ? " (orders not cancelled)" : ""}.` };
}
