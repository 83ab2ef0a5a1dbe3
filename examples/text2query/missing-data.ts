/**
 * What the shop's data does not record. The schema (sample-data.ts) holds customers (name, e-mail, country,
 * sign-up day), products (name, category, list price), orders (customer, status, day ordered) and their items
 * (quantity, price paid): no returns, no shipping or delivery dates, no costs, no stock, no reviews, no visits.
 * A question about one of these is answered "this data cannot tell", never as something the data does hold
 * ("returned orders" are not cancelled orders; "delivery time" is not the order date).
 */
const MISSING: Array<{ words: RegExp; lacks: string }> = [
  { words: /(?<!^)\breturns?\b(?! (?:the|a|an|all|me|only|each|every|top|list|just)\b)|\b(?:returned|returning (?:items?|products?|orders?)|rmas?|exchanges?|exchanged)\b/, lacks: "returns (orders record only delivered, shipped, cancelled or pending)" },
  {
    words: /\b(?:shipping|delivery|transit|fulfil?ment|dispatch) (?:times?|days?|durations?|speeds?|dates?|costs?|fees?|prices?|carriers?|methods?|delays?)\b|\bhow (?:long|fast|quickly)\b|\b(?:delivered|shipped|arrived|arriving) (?:late|early|on time|in time)\b|\blate\b|\b(?:lost|damaged|broken)\b|\b(?:on|in) time\b|(?<=\b(?:shipped|delivered|sent|shipping) )to\b|\bdeliver(?:y|ies)\b|\btime between\b|\b(?:late|delayed|on[- ]time) (?:deliver(?:y|ies)|orders?|shipments?)\b|\bcarriers?\b|\btracking\b|\bshipping\b|\bshipments?\b/,
    lacks: "shipping or delivery times, costs or carriers (orders record only the day they were placed and their status)",
  },
  { words: /\b(?:profits?|margins?|cost of goods|cogs|expenses?|wholesale|suppliers?|vendors?|manufacturers?|brands?)\b/, lacks: "costs, suppliers or profit (products record only a list price)" },
  { words: /\b(?:stock|inventory|warehouses?|in stock|out of stock|restock(?:ed|ing)?)\b/, lacks: "stock or inventory" },
  { words: /\b(?:reviews?|ratings?|rated|stars?|feedback|satisfaction|nps|complaints?)\b/, lacks: "reviews, ratings or feedback" },
  { words: /\b(?:visits?|visitors?|sessions?|page ?views?|traffic|clicks?|conversion(?: rate)?s?|bounce|carts?|wishlists?|abandoned)\b/, lacks: "website visits, carts or conversion" },
  { words: /\b(?:discount codes?|coupon codes?|coupons?|promo(?:tion)?s?|promo codes?|vouchers?|campaigns?|marketing|ads?|advertising|newsletters?|emails? (?:opened|sent|opens))\b/, lacks: "coupons, promotions or marketing" },
  { words: /\b(?:older|younger|aged?|ages|gender|male|female|birthdays?|born|cities|city|towns?|zip|postal|post codes?|addresse?s?)\b/, lacks: "customers' age, gender or address beyond their country" },
  { words: /\b(?:payments?|paid (?:by|with)|credit cards?|paypal|invoices?|tax(?:es)?|vat|currenc(?:y|ies))\b/, lacks: "payments, taxes or currencies (prices are in USD)" },
  { words: /\b(?:employees?|staff|sales ?(?:reps?|people|persons?)|agents?|support tickets?|tickets?)\b/, lacks: "staff or support" },
  { words: /\b(?:subscriptions?|subscribers?|memberships?|loyalty)\b/, lacks: "subscriptions or loyalty programmes" },
  { words: /\b(?:weights?|(?<!(?:order|basket|cart) )sizes?|colou?rs?|dimensions?)\b/, lacks: "product sizes, colours or weights" },
  { words: /\bwhy\b|\breasons?\b|\bcauses?\b/, lacks: "reasons (it records what happened, not why)" },
];

/** What the data lacks that the question asks about, or undefined; `find` reads the question (QuestionReader.peek). */
export function missingData(find: (re: RegExp) => RegExpExecArray | null): { asked: string; lacks: string } | undefined {
  for (const m of MISSING) {
    const hit = find(m.words);
    if (hit) return { asked: hit[0], lacks: m.lacks };
  }
  return undefined;
}
