import type { Dimension, QuestionParts } from "./question-parts.js";

/** What composing SQL from parts shares: the revenue expression, group columns, filters, ordering. */

export interface ComposedQuery {
  sql: string;
  tables: string[];
  plan: string;
}

export const REVENUE = "sum(oi.quantity * oi.unit_price)";
export const TIME_DIMENSIONS = new Set<Dimension>(["month", "year", "week", "day"]);

export const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export function groupColumn(d: Dimension, date: string): { select: string; group: string } {
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
    case "order":
      return { select: "o.order_id", group: "o.order_id" };
    case "year":
      return { select: `extract(year FROM ${date})::int AS year`, group: "1" };
    case "day":
      return { select: `${date} AS day`, group: "1" };
    default:
      return { select: `date_trunc('${d}', ${date})::date AS ${d}`, group: "1" };
  }
}

export function periodFilter(p: QuestionParts, column: string): string[] {
  if (p.period === undefined) return [];
  return [`${column} >= ${p.period.from}`, ...(p.period.to !== undefined ? [`${column} < ${p.period.to}`] : [])];
}

export const where = (conditions: string[]) => (conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "");

export function ordering(p: QuestionParts, measure: string, grouped: boolean): string {
  if (p.order !== undefined) return ` ORDER BY ${measure} ${p.order.toUpperCase()}${p.limit !== undefined ? ` LIMIT ${p.limit}` : ""}`;
  if (!grouped) return "";
  return p.groupBy !== undefined && TIME_DIMENSIONS.has(p.groupBy) ? " ORDER BY 1" : ` ORDER BY ${measure} DESC`;
}

/** Conditions on orders and what they need joined: o = orders, c = customers, oi = order_items, p = products. */
export interface OrderFilters {
  conditions: string[];
  customers: boolean;
  products: boolean;
}

/** The question's filters as conditions over orders (status, country, customer, category, product, period). */
export function orderFilters(p: QuestionParts, omit: ReadonlyArray<"status" | "country" | "category" | "product" | "customer"> = []): OrderFilters {
  const use = (k: "status" | "country" | "category" | "product" | "customer") => !omit.includes(k);
  const conditions = [
    ...(p.status && use("status") ? [`o.status = '${p.status}'`] : []),
    ...(p.country && use("country") ? [`c.country = '${p.country}'`] : []),
    ...(p.customerName && use("customer") ? [`c.name = ${literal(p.customerName)}`] : []),
    ...(p.category && use("category") ? [`p.category = '${p.category}'`] : []),
    ...(p.product && use("product") ? [`p.name = ${literal(p.product)}`] : []),
    ...periodFilter(p, "o.ordered_at"),
  ];
  return {
    conditions,
    customers: (p.country !== undefined && use("country")) || (p.customerName !== undefined && use("customer")),
    products: (p.category !== undefined && use("category")) || (p.product !== undefined && use("product")),
  };
}

/** A human summary of the filters, for the plan. */
export function filterLabel(p: QuestionParts): string {
  const list = [p.status && `status ${p.status}`, p.country && `country ${p.country}`, p.customerName && `customer ${p.customerName}`, p.category && `category ${p.category}`, p.product && `product ${p.product}`, p.period?.label].filter(Boolean);
  return list.length > 0 ? `; filters: ${list.join(", ")}` : "";
}
