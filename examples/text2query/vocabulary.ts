import { plain } from "./question-reader.js";
import { SEED_SQL } from "./sample-data.js";

/**
 * The names a question may use as filters, read from the shop's data (the rows it is seeded with), not from a
 * list of sentences: product names, customer names, categories, countries (their codes, their English names
 * from Intl, and the usual aliases and adjectives), order statuses (from the schema's documentation).
 */
export interface ShopVocabulary {
  products: Array<{ name: string; category: string; aliases: string[] }>;
  customers: Array<{ name: string; key: string }>;
  categories: string[];
  countries: Array<{ code: string; names: string[] }>;
  statuses: string[];
}

/** The way a name is matched in a question: plain words separated by one space. */
export const words = (text: string) => plain(text).replace(/['’]/g, "'").replace(/[^a-z0-9'$.]+/g, " ").trim();

/** How people also call countries (and what they call their people), by ISO code. */
const COUNTRY_ALIASES: Record<string, string[]> = {
  US: ["usa", "u s", "america", "american", "americans", "the states", "united states of america"],
  GB: ["uk", "britain", "great britain", "british", "england", "english"],
  DE: ["german", "germans"],
  FR: ["french"],
  JP: ["japanese"],
  BR: ["brazilian", "brazilians"],
  IN: ["indian", "indians"],
  CA: ["canadian", "canadians"],
  AU: ["australian", "australians", "aussie"],
  ES: ["spanish", "spaniards"],
};

/** The statuses orders.status takes (prompts.ts documents them), and the words people use for them. */
export const STATUS_WORDS: Record<string, string[]> = {
  delivered: ["delivered", "completed", "complete", "fulfilled"],
  shipped: ["shipped", "in transit", "on the way"],
  cancelled: ["cancelled", "canceled", "cancellations", "cancellation", "cancelled ones"],
  pending: ["pending", "open", "unshipped", "not yet shipped", "awaiting shipment"],
};

function rows(sql: string, table: string): string[][] {
  const start = sql.indexOf(`INSERT INTO ${table} `);
  const end = sql.indexOf(";\n", start);
  const body = sql.slice(start, end);
  const out: string[][] = [];
  for (const m of body.matchAll(/^\((.*)\),?$/gm)) {
    const fields: string[] = [];
    for (const f of m[1]!.matchAll(/'((?:[^']|'')*)'|([^,]+)/g)) fields.push(f[1] !== undefined ? f[1].replace(/''/g, "'") : f[2]!);
    out.push(fields);
  }
  return out;
}

/** Shorter names people use for a product: without a leading "the", a trailing size or count, or before a colon. */
function productAliases(name: string): string[] {
  const full = words(name);
  const aliases = new Set([full]);
  const noArticle = full.replace(/^the /, "");
  aliases.add(noArticle);
  const noSize = noArticle.replace(/( [0-9][0-9a-z.]*)+$/, "");
  if (noSize.length >= 4) aliases.add(noSize);
  // Plurals the matcher's optional "s"/"es" does not make: "knife" → "knives".
  for (const a of [...aliases]) if (/(?:fe|f)$/.test(a)) aliases.add(a.replace(/(?:fe|f)$/, "ves"));
  const colon = /:\s*(.+)$/.exec(name);
  if (colon) aliases.add(words(colon[1]!));
  return [...aliases].filter((a) => a.length >= 3);
}

/** The vocabulary of the shop seeded from `sql` (INSERT statements as seed.ts writes them). */
export function vocabularyFromSeed(sql: string = SEED_SQL): ShopVocabulary {
  const products = rows(sql, "products").map(([, name, category]) => ({ name: name!, category: category!, aliases: productAliases(name!) }));
  const customers = rows(sql, "customers").map(([, name]) => ({ name: name!, key: words(name!) }));
  const codes = [...new Set(rows(sql, "customers").map((r) => r[3]!))].sort();
  const display = new Intl.DisplayNames(["en"], { type: "region" });
  const countries = codes.map((code) => ({ code, names: [words(display.of(code) ?? code), ...(COUNTRY_ALIASES[code] ?? [])] }));
  return { products, customers, categories: [...new Set(products.map((p) => p.category))].sort(), countries, statuses: Object.keys(STATUS_WORDS) };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One alternation of phrases, longest first, matched as whole words with an optional plural ending. */
export function phrases(list: readonly string[], plural = true): RegExp {
  const sorted = [...new Set(list)].sort((a, b) => b.length - a.length).map(escape);
  return new RegExp(`\\b(${sorted.join("|")})${plural ? "(?:e?s)?" : ""}\\b`);
}

/** Recognisers built once per vocabulary. */
export interface VocabularyMatchers {
  vocabulary: ShopVocabulary;
  product: RegExp;
  productByAlias: Map<string, string>;
  customer: RegExp;
  customerByKey: Map<string, string>;
  country: RegExp;
  countryByName: Map<string, string>;
  category: RegExp;
  status: RegExp;
  statusByWord: Map<string, string>;
  /** Every word of every name: spelling is corrected towards them too. */
  words: Set<string>;
}

export function matchersFor(vocabulary: ShopVocabulary): VocabularyMatchers {
  const productByAlias = new Map<string, string>();
  for (const p of vocabulary.products) for (const a of p.aliases) if (!productByAlias.has(a)) productByAlias.set(a, p.name);
  const customerByKey = new Map(vocabulary.customers.map((c) => [c.key, c.name]));
  const countryByName = new Map(vocabulary.countries.flatMap((c) => c.names.map((n) => [n, c.code] as const)));
  const statusByWord = new Map(Object.entries(STATUS_WORDS).flatMap(([s, ws]) => ws.map((w) => [w, s] as const)));
  const categoryForms = vocabulary.categories.flatMap((c) => [c, c.replace(/s$/, ""), ...(c === "garden" ? ["gardening"] : [])]);
  const all = new Set<string>();
  for (const text of [...productByAlias.keys(), ...customerByKey.keys(), ...countryByName.keys(), ...categoryForms]) for (const w of text.split(" ")) if (w.length >= 4) all.add(w);
  return {
    vocabulary,
    product: phrases([...productByAlias.keys()]),
    productByAlias,
    customer: phrases([...customerByKey.keys()], false),
    customerByKey,
    country: phrases([...countryByName.keys()], false),
    countryByName,
    category: phrases(categoryForms),
    status: phrases([...statusByWord.keys()], false),
    statusByWord,
    words: all,
  };
}

/** The category a form of its name stands for ("book" → books, "gardening" → garden). */
export function categoryOf(vocabulary: ShopVocabulary, form: string): string | undefined {
  return vocabulary.categories.find((c) => c === form || c.replace(/s$/, "") === form || form.startsWith(c) || c.startsWith(form));
}

let shop: VocabularyMatchers | undefined;
/** The sample shop's vocabulary (built on first use). */
export function shopMatchers(): VocabularyMatchers {
  return (shop ??= matchersFor(vocabularyFromSeed()));
}
