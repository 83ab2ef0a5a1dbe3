/**
 * The console page's formatters, as the browser runs them: plain JavaScript in a string (the page has no build
 * step), evaluated in the page and, by the tests, in Node — so what is tested is what the browser runs.
 * Defines `esc` (HTML escaping), `num` and one `fmt` object. Every formatter takes whatever an attribute holds:
 * a number is rounded for people; anything else comes back as text (the caller escapes it), so a hostile
 * "token count" is shown, not computed.
 * Numbers use en-US grouping ("12,345") whatever the browser's locale, as the rest of the page is English.
 */
export const FORMAT_SCRIPT = String.raw`
/** Every value from the API goes into HTML through this. */
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const fmt = {
  /** Not a finite number: the value as text. */
  raw(v) { return String(v ?? "?"); },
  isNum(v) { return typeof v === "number" && Number.isFinite(v); },
  /** Float noise off (0.000020700000000000002 → 0.0000207): ten significant digits; integers as they are. */
  plain(v) {
    if (!fmt.isNum(v)) return fmt.raw(v);
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
  },
  /**
   * US dollars: cents from $1; below, two significant digits within five decimals ($0.50, $0.012, $0.00016,
   * $0.00020 — a run costs fractions of a cent, and a column keeps one precision), and one significant digit
   * below $0.00001 ($0.000003).
   */
  usd(v) {
    if (!fmt.isNum(v)) return fmt.raw(v);
    const sign = v < 0 ? "-" : "", a = Math.abs(v);
    if (a === 0) return "$0";
    if (a >= 0.995) return sign + "$" + a.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const digits = a >= 0.00001 ? 2 : 1;
    // The magnitude after rounding: 0.0999 is $0.10, not $0.100.
    const magnitude = -Math.floor(Math.log10(Number(a.toPrecision(digits))));
    const decimals = digits === 2 ? Math.max(2, Math.min(5, magnitude + 1)) : Math.min(12, magnitude);
    return sign + "$" + a.toFixed(decimals);
  },
  /** A duration given in milliseconds: "0.42 ms", "4.2 ms", "420 ms", "1.24 s", "12.3 s", "2 min 5 s", "1 h 2 min". */
  ms(v) {
    if (!fmt.isNum(v)) return fmt.raw(v);
    const sign = v < 0 ? "-" : "", a = Math.abs(v);
    if (a === 0) return "0 ms";
    if (a < 10) return sign + Number(a.toPrecision(2)) + " ms";
    if (Math.round(a) < 1000) return sign + Math.round(a) + " ms";
    if (a < 9995) return sign + (a / 1000).toFixed(2) + " s";
    if (a < 59950) return sign + (a / 1000).toFixed(1) + " s";
    const s = Math.round(a / 1000);
    if (s < 3600) return sign + Math.floor(s / 60) + " min" + (s % 60 ? " " + (s % 60) + " s" : "");
    const m = Math.round(s / 60);
    return sign + Math.floor(m / 60) + " h" + (m % 60 ? " " + (m % 60) + " min" : "");
  },
  /** A duration given in seconds (the latency histograms' unit). */
  seconds(v) { return fmt.isNum(v) ? fmt.ms(v * 1000) : fmt.raw(v); },
  /** A count (tokens, rows): whole, with thousands separators. */
  count(v) { return fmt.isNum(v) ? Math.round(v).toLocaleString("en-US") : fmt.raw(v); },
  /** A rate or small quantity: whole from 10, one decimal below ("2.5"), grouped. */
  amount(v) {
    if (!fmt.isNum(v)) return fmt.raw(v);
    return v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) >= 10 ? 0 : Math.abs(v) >= 1 ? 1 : 2 });
  },
  /** A short count for an axis: "950", "12k", "1.5M". */
  compact(v) {
    if (!fmt.isNum(v)) return fmt.raw(v);
    const a = Math.abs(v);
    if (a >= 1e6) return Number((v / 1e6).toPrecision(3)) + "M";
    if (a >= 1e4) return Number((v / 1e3).toPrecision(3)) + "k";
    return fmt.amount(v);
  },
  /** A share 0 … 1 as a percentage: "0%", "2.5%", "12%". */
  percent(v) {
    if (!fmt.isNum(v)) return fmt.raw(v);
    const p = v * 100;
    return (Math.abs(p) >= 10 || p === 0 ? Math.round(p) : Number(p.toFixed(1))) + "%";
  },
  /** The top of a chart's axis: the smallest 1, 2 or 5 × 10^k at or above max (1 when there is nothing). */
  niceMax(max) {
    if (!fmt.isNum(max) || max <= 0) return 1;
    const step = Math.pow(10, Math.floor(Math.log10(max)));
    for (const m of [1, 2, 5, 10]) if (m * step >= max * (1 - 1e-9)) return Number((m * step).toPrecision(12));
    return 10 * step;
  },
  /** Clock time of an epoch-ms instant, "14:05:09" (24-hour, the browser's time zone). */
  clock(t) { return fmt.isNum(t) ? new Date(t).toLocaleTimeString("en-GB", { hour12: false }) : fmt.raw(t); },
  /**
   * An attribute value for the details table: { text, block }. A string holding a JSON object or array (usage
   * and cost details, messages) is parsed and pretty-printed once, its numbers without float noise; other
   * strings as they are (no quotes added); cost attributes in dollars; other numbers without float noise.
   */
  attribute(key, v) {
    if (typeof v === "string") {
      const t = v.trim();
      if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
        try {
          return { text: JSON.stringify(JSON.parse(t), (_k, x) => (typeof x === "number" ? Number(fmt.plain(x)) : x), 2), block: true };
        } catch (e) { /* not JSON after all: shown as text */ }
      }
      return { text: v, block: v.length > 120 || v.includes("\n") };
    }
    if (fmt.isNum(v)) return { text: /cost_usd$/.test(key) ? fmt.usd(v) : fmt.plain(v), block: false };
    if (Array.isArray(v)) return { text: v.map((x) => (typeof x === "number" ? fmt.plain(x) : String(x))).join(", "), block: false };
    return { text: fmt.raw(v), block: false };
  },
};
`;
