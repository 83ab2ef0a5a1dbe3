import { missingData } from "./missing-data.js";
import { correctSpelling, QuestionReader, tokenize } from "./question-reader.js";
import { dimensionOf, NUM, numberAt, periodOf, thresholdOf, type Dimension, type Period, type Threshold } from "./question-words.js";
import { categoryOf, shopMatchers, type VocabularyMatchers } from "./vocabulary.js";

/**
 * Reads a question about the shop as parts — what to measure, of what, grouped by what, filtered how, over
 * which period, in which order and how many — so SQL can be composed from them (compose-sql.ts) instead of
 * matched against a fixed list of phrasings. Every word is either understood or reported: the words left over
 * (question-reader.ts) make the demo ask back instead of answering something else. Pure and deterministic.
 */

export type { Dimension, Period, Threshold } from "./question-words.js";
export type Subject = "orders" | "customers" | "products";
export type Measure = "count" | "revenue" | "units" | "average_order_value" | "average_price" | "list" | "price" | "share" | "date";
/** What an average per entity or a share is taken of. */
export type Base = "orders" | "customers" | "products" | "revenue" | "units" | "lines";

export interface QuestionParts {
  subject: Subject;
  measure: Measure;
  groupBy?: Dimension;
  status?: string;
  country?: string;
  category?: string;
  /** A product named in the question ("Smart Watch"), as its name in the data. */
  product?: string;
  /** A customer named in the question ("Olivia Smith"), as their name in the data. */
  customerName?: string;
  period?: Period;
  /** Customers who never ordered, products never ordered. */
  never?: boolean;
  /** "exactly 2 orders", "more than 3 orders", "orders over $500", "products under $20". */
  threshold?: Threshold;
  /** "average items per order", "average spend per customer": the average over `averagePer` of `base` per entity. */
  averagePer?: Dimension;
  /** What a share or an average per entity is of. */
  base?: Base;
  /** The question names orders ("placed the most orders"), so a ranking of customers counts them. */
  mentionsOrders?: boolean;
  /** "When did … first/last order": the earliest or latest order date (measure "date"). */
  when?: "first" | "last";
  /** Bought, purchased, buyers: only orders not cancelled count (what was sold), as for revenue and units. */
  buying?: boolean;
  /** The period is about sign-ups, not orders. */
  signups?: boolean;
  order?: "desc" | "asc";
  limit?: number;
}

/** What the demo made of a question: parts to compose SQL from, or why it cannot (words it did not understand, data the shop lacks). */
export interface Reading {
  parts?: QuestionParts;
  /** Words (as typed) no recogniser understood: the demo asks back naming them. */
  unknown: string[];
  /** Something it understood but cannot answer as asked ("a share of what?"). */
  unclear?: string;
  /** What the question asks that the data does not record. */
  missing?: { asked: string; lacks: string };
  /** Misspelt words read as schema words. */
  corrections: Array<{ typed: string; read: string }>;
}

/** Words of the schema and of the recognisers (spelling is corrected towards them, never away from them). */
const KNOWN = new Set(
  (
    "customer customers client clients buyer buyers people users signups signup order orders purchase purchases product products item items " +
    "article articles goods units unit revenue sales turnover income earned earnings money spent spend spending spenders category categories " +
    "country countries status statuses month months monthly year years yearly week weeks weekly daily average mean price prices priced " +
    "expensive cheapest priciest quantity quantities sold sell sells selling seller sellers percentage percent share proportion ratio fraction " +
    "exactly least most more than fewer less under below above over between never without delivered shipped cancelled canceled pending " +
    "signed joined registered biggest largest highest lowest smallest best worst busiest popular value basket catalog catalogue cost " +
    "today yesterday since during last previous past this top bottom first number count list show which customers' once twice repeat " +
    "returning recurring typical median value valuable when recent latest earliest newest oldest distinct different unique " +
    "based located living bought purchased buyer"
  ).split(" "),
);

function subjectOf(r: QuestionReader): Subject | undefined {
  const res: Array<[Subject, RegExp]> = [
    ["customers", /\b(?:customers?|clients?|buyers?|who|users?|people|signups?|sign ups?|spenders?|shoppers?)\b/],
    ["products", /\b(?:products?|items?|articles?|goods|books?|electronics|toys?|sellers?|catalog(?:ue)?|units)\b/],
    ["orders", /\b(?:orders?|purchases?|sales|revenue|turnover|income)\b/],
  ];
  const found = res.map(([s, re]) => [s, r.peek(re)?.index ?? -1] as const).filter(([, at]) => at >= 0).sort((a, b) => a[1] - b[1]);
  for (const [, re] of res) r.takeAll(re);
  return found[0]?.[0];
}

/** "how many times": a count of orders (of a product, by a customer). */
function measureOf(r: QuestionReader, subject: Subject | undefined): Measure | "times" | undefined {
  if (r.takeAll(/\b(?:share|percent(?:age)?|proportion|ratio|fraction|rate|%)\b|%/) > 0) return "share";
  if (r.has(/\baverage order (?:value|size|total|amount)\b|\baov\b|\baverage basket(?: size| value| total)?\b|\baverage spend(?: per order)?\b(?! per)|\b(?:average|typical|mean) (?:value|size|total) of an? order\b/)) return "average_order_value";
  if (r.has(/\b(?:average|mean|avg|typical) (?:product |list |unit )?(?:price|cost)\b|\baverage cost\b/)) return "average_price";
  if (subject !== "orders" && r.has(/\bmost expensive\b|\bcheapest\b|\bpriciest\b|\bleast expensive\b|\bprices?\b|\bcosts?\b|\bpriced\b/)) return "price";
  if (r.takeAll(/\bunits?\b|\bcop(?:y|ies)\b|\b(?:best|top|biggest|fastest) ?sell(?:ing|ers?)\b|\bsold\b|\bmost (?:sold|popular|bought|ordered|purchased)\b|\bpopular\b|\bquantit(?:y|ies)\b|\bhow many (?=\w+ (?:(?:did|do|have) we )?sell\b)|\bsell(?:s)?\b|\bitems sold\b/) > 0)
    return "units";
  if (r.takeAll(/\b(?:revenue|sales|turnover|income|earn(?:ed|ings)?|made|make|spen[dt]|spending|brings? in|brought in|money|gmv|biggest spenders?|top spenders?|worth|(?:total )?value|(?:most |least )?valuable|(?<=\b(?:highest|lowest|largest|biggest|smallest|greatest|top) )(?:total|amount))\b/) > 0) return "revenue";
  if (r.has(/\bhow many times\b/)) return "times";
  if (r.has(/\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b.*\borders\b|\bamount of orders\b|\btotal\b/)) return "count";
  if (r.has(/\b(?:list|show|which|who|what are|give me|display|name|names|what)\b/)) return "list";
  return undefined;
}

/** Products, customers, countries, categories and statuses named in the question, looked up in the shop's vocabulary. */
function namedFilters(r: QuestionReader, m: VocabularyMatchers): Partial<QuestionParts> {
  const found: Partial<QuestionParts> = {};
  const product = r.takeName(m.product);
  if (product) found.product = m.productByAlias.get(product[1]!);
  const customer = r.takeName(m.customer);
  if (customer) found.customerName = m.customerByKey.get(customer[1]!);
  // Two-letter codes count as typed in capitals, so "us" and "in" stay words.
  const codes = new Set(m.vocabulary.countries.map((c) => c.code));
  const code = r.takeToken((t) => /^[A-Z]{2}$/.test(t.raw) && (codes.has(t.raw) || (t.raw === "UK" && codes.has("GB"))));
  const country = code ? (code.raw === "UK" ? "GB" : code.raw) : m.countryByName.get(r.takeName(m.country)?.[1] ?? "");
  if (country !== undefined) found.country = country;
  const category = r.take(m.category);
  if (category) {
    found.category = categoryOf(m.vocabulary, category[1]!);
    r.take(new RegExp(`\\b${category[0]} (?:categor(?:y|ies)|section|department|range)\\b`));
  }
  const status = r.takeName(m.status);
  if (status) found.status = m.statusByWord.get(status[1]!);
  return found;
}

/** The parts of a question, or why there are none (read against the sample shop's vocabulary unless told otherwise). */
export function readQuestion(question: string, matchers: VocabularyMatchers = shopMatchers()): Reading {
  // What the data lacks is looked for in the words as typed ("delivery time" is not a typo of "delivered").
  const typed = new QuestionReader(tokenize(question));
  namedFilters(typed, matchers);
  const missing = missingData((re) => typed.peek(re));
  if (missing !== undefined) return { missing, unknown: [], corrections: [] };
  const tokens = tokenize(question);
  const known = new Set([...KNOWN, ...matchers.words, ...matchers.vocabulary.categories, ...matchers.statusByWord.keys()]);
  const corrections = correctSpelling(tokens, known);
  const r = new QuestionReader(tokens);
  const named = namedFilters(r, matchers);

  // "based in Canada", "customers located in the UK", "living in Australia": from that country.
  if (named.country !== undefined) r.takeAll(/\b(?:based|located|living|live|lives|residing|resident)\b(?= (?:in|from)\b)/);
  const period = periodOf(r);
  // "When was the last order…", "when did … first buy": the latest or earliest order date.
  // Locked, so "which day" is not read again as a grouping; "last month" is a period, not the last order.
  const direction = "(?:first|last|latest|most recent|earliest)\\b(?! (?:\\d+ |one |two |three )?(?:months?|years?|weeks?|days?)\\b)";
  const asksWhen = r.takeName(new RegExp(`\\bwhen\\b|\\b(?:date|day) of\\b(?= (?:the |their |his |her )?${direction})|\\b(?:on )?(?:what|which) (?:date|day)\\b(?=.*\\b${direction})`)) !== null;
  const when = !asksWhen ? undefined : r.has(/\b(?:first|earliest|oldest)\b/) ? "first" : r.has(/\b(?:last|latest|most recent|recent|newest|lately)\b/) ? "last" : undefined;
  const never = r.has(/\bnever\b|\bno orders\b|\bwithout (?:any )?orders?\b|\bhaven'?t (?:ordered|bought)\b|\bhasn'?t (?:ordered|bought)\b|\bnot (?:yet )?(?:been )?(?:ordered|sold|bought|purchased)\b|\bunsold\b|\bzero orders\b|\bno sales\b|\bdid not (?:order|buy)\b|\bdidn'?t (?:order|buy)\b/);
  let subject = subjectOf(r);
  const threshold = thresholdOf(r, subject);
  if (threshold?.entity === "customer") subject = "customers";
  const averaged = r.peek(/\b(?:on average|average|avg|mean|typical(?:ly)?)\b/);
  let groupBy = dimensionOf(r, averaged !== null);
  const read = measureOf(r, subject);
  let measure: Measure | undefined = read === "times" ? "count" : read;
  if (read === "times") subject = "orders";
  // "When did Ava Thompson sign up?", "when did our first customer join?": a sign-up date.
  const signupWords = /\b(?:sign(?:ed)? ?ups?|joined|join|registered|register|became a customer)\b/;
  if (asksWhen && r.peek(signupWords) !== null && measure === undefined && (named.customerName !== undefined || when !== undefined)) {
    r.takeAll(signupWords);
    r.takeAll(/\b(?:customers?|clients?)\b/);
    const parts: QuestionParts = { subject: "customers", measure: "date", signups: true, when: when ?? "first", ...named };
    if (period !== undefined) parts.period = period;
    const unknown = r.leftovers();
    return unknown.length > 0 ? { unknown, corrections } : { parts, unknown, corrections };
  }
  // "When did we last sell a Smart Watch?", "when was the last sale": the date of an order not cancelled.
  const whenSold = asksWhen && (measure === undefined || measure === "units" || measure === "revenue") && r.has(/\b(?:sell|sold|sale|sales)\b/);
  if (whenSold) measure = undefined;
  if (asksWhen) {
    // A date is of orders; "when" with another measure ("when was revenue highest") or neither first nor last is unclear.
    const unclearWhen = when === undefined ? "when: the first or the last time?" : measure !== undefined && measure !== "list" && measure !== "count" ? "when, combined with a measure (a ranking over time?)" : undefined;
    if (unclearWhen !== undefined) return { unknown: r.leftovers(), unclear: unclearWhen, corrections };
    subject = "orders";
    measure = "date";
  }
  let soldOnly = whenSold;
  if (subject === undefined && measure === undefined && groupBy === undefined && named.product === undefined && named.customerName === undefined) return { unknown: r.leftovers(), corrections };
  subject ??= measure === "revenue" || measure === "average_order_value" || measure === "share" || named.customerName || named.status ? "orders" : measure === "units" || measure === "price" || measure === "average_price" || groupBy === "category" || named.product ? "products" : undefined;
  if (subject === undefined) return { unknown: r.leftovers(), corrections };
  // A bare noun phrase ("Orders in the last 7 days", "Orders per month") asks how many; "Customers in Japan" who.
  measure ??= groupBy !== undefined || subject === "orders" ? "count" : "list";

  // "Who bought the most Espresso Machines?": a named product or category is counted in units.
  if (measure === "list" && (named.product || named.category) && r.peek(/\b(?:most|top|least|fewest)\b/) && r.has(/\b(?:bought|purchased|ordered|buys|orders)\b/)) measure = "units";
  // "What did Liam Becker buy?": the products a customer ordered.
  // "What did customers in Canada buy most?": the products (not "what customers…", which asks who).
  const whatBought = measure === "list" && (named.customerName !== undefined || subject === "customers") && r.peek(/\bwhat\b(?! (?:customers?|clients?|buyers?|people|shoppers?)\b)/) !== null && r.has(/\b(?:buy|bought|purchased|ordered)\b|(?<!\b(?:the|a|an|his|her|their|our|largest|biggest|smallest|first|last|latest) )\b(?:order|purchase)\b/);
  if (whatBought) subject = "products";
  // "How many items has Liam Becker bought?": items over orders are units; "products" are distinct products.
  if (measure === "count" && subject === "products" && r.peek(/\bitems?\b/) && !r.peek(/\bproducts?\b/) && (named.customerName || named.country || named.status || period || r.peek(/\b(?:bought|buy|purchased|ordered)\b/))) measure = "units";
  // "How many products were never sold?": nothing sold is counted or listed, not summed in units.
  if (never && measure === "units") measure = r.has(/\bhow many\b|\bnumber of\b|\bcount\b/) ? "count" : "list";
  // "How many distinct products were sold": a count of the products in orders not cancelled, not units.
  if (measure === "units" && subject === "products" && r.has(/\b(?:different|distinct|unique)\b/)) {
    measure = "count";
    soldOnly = true;
  }
  const parts: QuestionParts = { subject, measure, ...named };
  if (when !== undefined) parts.when = when;
  if (soldOnly || r.peek(/\b(?:bought|buy|buys|buying|purchase|purchased|purchasing|buyers?)\b/)) parts.buying = true;
  // "How many different products has … bought", "distinct customers": counts of distinct entities.
  if (measure === "count" && (subject === "products" || subject === "customers")) r.has(/\b(?:different|distinct|unique)\b/);
  if (named.status !== undefined && groupBy === "status") delete parts.status;
  if (named.country !== undefined && groupBy === "country") delete parts.country;
  if (named.category !== undefined && groupBy === "category") delete parts.category;
  // An average order value is per order already: "average spend per order" is not grouped by order.
  if (groupBy === "order" && measure === "average_order_value") groupBy = undefined;
  if (groupBy !== undefined) parts.groupBy = groupBy;
  if (never) parts.never = true;
  // "Which customers ordered the most?": the most orders.
  if (r.peek(/\borders?\b|\b(?:ordered|order) (?:the )?most\b/)) parts.mentionsOrders = true;
  if (period !== undefined) parts.period = period;
  if (subject === "customers" && r.takeAll(/\b(?:sign(?:ed)? ?ups?|joined|registered|new customers?|new accounts?|acquired|new clients?)\b/) > 0) parts.signups = true;
  if (threshold !== undefined) {
    parts.threshold = threshold;
    if (threshold.entity === "customer") parts.subject = "customers";
    if (threshold.entity === "order") parts.subject = "orders";
    if (threshold.entity === "product") parts.subject = "products";
    // Counted when asked how many, or for a bare noun phrase about orders ("Orders worth over $800 last month").
    parts.measure = r.has(/\bhow many\b|\bnumber of\b|\bcount\b/) || (read === undefined && threshold.entity === "order") ? "count" : "list";
  }

  let unclear: string | undefined;
  // Averages per entity: "average items per order", "average spend per customer", "orders per day on average".
  const perOrder = groupBy === "order";
  if ((averaged || perOrder) && groupBy !== undefined && !["average_order_value", "average_price", "price", "share"].includes(measure) && threshold === undefined) {
    if (averaged) r.has(/\b(?:on average|average|avg|mean|typical(?:ly)?)\b/);
    const base = r.has(/\b(?:items?|units?|quantity)\b/) ? "units" : r.has(/\b(?:different |distinct )?products\b/) ? "lines" : measure === "revenue" ? "revenue" : measure === "units" ? "units" : subject === "customers" && groupBy !== "customer" ? "customers" : "orders";
    if (base === "orders" && groupBy === "order") unclear = "an average of orders per order";
    parts.averagePer = groupBy;
    parts.base = base;
    delete parts.groupBy;
    groupBy = undefined;
  }
  // Shares: of what (orders, customers, revenue, units) and over what (a dimension, or a filter as the part).
  if (parts.measure === "share") {
    parts.base = r.has(/\b(?:revenue|sales|turnover|spend|spending|money)\b/) ? "revenue" : r.has(/\b(?:units?|items? sold|quantity)\b/) ? "units" : subject === "customers" ? "customers" : subject === "products" ? "products" : "orders";
    if (r.has(/\bcancell?ation\b/)) parts.status = "cancelled";
    const part = parts.status ?? parts.country ?? parts.category ?? parts.product ?? parts.customerName ?? (parts.never ? "never" : undefined) ?? (parts.signups && parts.period ? "signups" : undefined);
    if (part === undefined && parts.groupBy === undefined) unclear = "a share of what (which status, country, category or product, or by which dimension)?";
    if (parts.base === "orders" && part === undefined && (parts.groupBy === "category" || parts.groupBy === "product")) unclear = "a share of orders by category or product (an order may hold several): of revenue or of units sold?";
    if (parts.base === "products" && (parts.status || parts.country || parts.customerName || parts.period || (parts.groupBy !== undefined && parts.groupBy !== "category"))) unclear = "a share of products by something products do not have";
    if (parts.base === "customers" && (parts.status || parts.category || parts.product || (parts.groupBy !== undefined && parts.groupBy !== "country"))) unclear = "a share of customers by something customers do not have";
  }

  // Order and size: "top 5", "5 best", "the most", "least", "cheapest".
  const ascending = r.peek(/\b(?:least|lowest|worst|fewest|bottom|smallest|cheapest|least expensive)\b/) !== null;
  const top = new RegExp(`\\b(?:top|bottom|first|best|worst|largest|biggest|highest|lowest) ${NUM}\\b|\\b(?:which|what|the) ${NUM} \\w+|\\b${NUM} (?:best|top|most|least|largest|biggest|highest|lowest|worst|cheapest|most expensive)\\b`);
  const topMatch = r.peek(top);
  const rankWords = /\b(?:most expensive|least expensive|top|most|highest|best|biggest|largest|least|lowest|worst|fewest|bottom|cheapest|priciest|smallest|busiest|popular)\b/;
  const ranked = topMatch !== null || r.peek(rankWords) !== null;
  // A superlative binds to a measure. Without one named, an entity's natural amount: an order's total ("the
  // biggest order"), a customer's spend; a size word over anything else ("the biggest category") asks back.
  const sizeOnly = ranked && (read === undefined || read === "list") && r.peek(/\b(?:biggest|largest|smallest)\b/) !== null;
  // "Which customer placed the biggest order?": the superlative is of an order, whoever placed it.
  const orderSize = /\b(?:biggest|largest|smallest|highest|lowest|most expensive|priciest|cheapest) (?:single |individual )?orders?\b/;
  const ofOrder = ranked && parts.subject === "customers" && r.peek(orderSize) !== null;
  const rankedOrders = ranked && (parts.subject === "orders" || ofOrder) && parts.groupBy === undefined && parts.averagePer === undefined && !never && parts.threshold === undefined && parts.measure !== "share" && parts.measure !== "date" && (read === undefined || read === "list" || (read === "revenue" && r.peek(new RegExp(`\\b(?:top|biggest|largest|smallest|highest|lowest|best)(?: ${NUM})? orders?\\b|\\borders? by (?:value|total|amount|revenue|spend)\\b|\\b(?:highest|biggest|largest|smallest|lowest|greatest) (?:total|amount|value)\\b`)) !== null));
  if (rankedOrders) {
    parts.groupBy = "order";
    parts.measure = "revenue";
  } else if (sizeOnly && parts.groupBy !== "customer" && parts.subject !== "customers" && parts.measure !== "share") unclear ??= "biggest by what: revenue, units sold or number of orders?";
  // "Top customers by number of orders": a ranking of customers (products) by their orders.
  const countedEntities = parts.measure === "count" && parts.mentionsOrders === true && (parts.subject === "customers" || parts.subject === "products") && parts.customerName === undefined && parts.product === undefined;
  if (ranked && (parts.groupBy !== undefined || countedEntities || ["price", "list", "units", "revenue"].includes(parts.measure)) && !never && parts.averagePer === undefined && parts.threshold === undefined && parts.measure !== "share") {
    r.take(top);
    r.takeAll(rankWords);
    parts.order = ascending ? "asc" : "desc";
    const n = numberAt(topMatch?.[1] ?? topMatch?.[2] ?? topMatch?.[3]);
    // "Which country…", "who is…" ask for one; "which countries…", "who are…", "top…" for several.
    const singular = r.peek(/\b(?:which|what) (?:month|year|week|day|category|country|status|product|customer)\b|\bwho is\b|\bwhat is\b|\bwhat's\b|\bwho's\b/) !== null;
    const plural = !singular && r.peek(new RegExp(`\\b(?:products|customers|categories|countries|months|years|weeks|days|sellers|items|statuses|spenders|clients|buyers${rankedOrders ? "|orders" : ""})\\b|\\bwho are\\b|\\bwhat are\\b|\\btop\\b`)) !== null;
    // "What did customers in Canada buy most?": "customers" names who bought, not how many products to rank.
    parts.limit = n ?? (plural && !whatBought ? 10 : 1);
    // "Which customer bought the most items?": ranked by units; "the most products" (units? distinct?) asks back.
    if (parts.subject === "customers" && parts.measure === "list" && !parts.mentionsOrders && r.peek(/\b(?:items?|units?)\b/)) parts.measure = "units";
    else if (parts.subject === "customers" && parts.measure === "list" && r.peek(/\bproducts\b/) && parts.product === undefined) unclear ??= "the most products: units bought or different products?";
    if (parts.groupBy === undefined) {
      if (parts.subject === "customers") parts.groupBy = "customer";
      else if (parts.subject === "products" || parts.measure === "units") parts.groupBy = "product";
    }
    // A ranking of one ungrouped total ("how many orders has the customer with the biggest spend placed") ranks nothing.
    if (parts.groupBy === undefined && ["revenue", "units", "count"].includes(parts.measure)) unclear ??= "the most or the top of what (customers, products, orders, or a dimension)?";
  }
  r.takeAll(/\b(?:ordered|bought|purchased|placed|made|sold|sell|buy)\b/);
  const unknown = r.leftovers();
  return unknown.length > 0 || unclear !== undefined ? { unknown, ...(unclear ? { unclear } : {}), corrections } : { parts, unknown, corrections };
}

/** The parts of a question, or undefined when it names nothing the shop's data can measure or has words not understood. */
export function questionParts(question: string): QuestionParts | undefined {
  return readQuestion(question).parts;
}
