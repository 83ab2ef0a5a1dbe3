/**
 * Reads a question word by word and remembers which words were understood: every recogniser takes the words it
 * matched, and what is left over (besides harmless fillers) is what the demo did not understand — so it asks back
 * instead of silently dropping a filter, a threshold or a subject (docs/example.md).
 */

/** Words that carry no meaning for a query over the shop: articles, pronouns, auxiliaries, politeness. */
const FILLERS = new Set(
  (
    "a an the of in on at to for from by with within during into over as is are was were be been being am do does did done " +
    "have has had having will would could should can may might must shall i we our ours us me my you your it its they them their there " +
    "this that these those what which who whom how many much please tell show give list find get got display see know want need like " +
    "let lets let's what's whats who's there's it's all any some just only still yet already so far currently right now ever overall " +
    "total sum number count amount data database shop store business company time times overall altogether placed place made received " +
    "ordered purchased bought come came each every per up one's s also kindly hey hi hello quick quickly again about " +
    "his her him anything something everything anyone someone return include includes included including contain contains contained comes come coming came go goes went account accounts accounted makes represent represents belong belongs contribute contributes generated generate"
  ).split(" "),
);

export interface Token {
  /** As typed. */
  raw: string;
  /** Lower case, accents removed: what recognisers read. */
  norm: string;
  /** Offset of `norm` in the reader's text. */
  at: number;
}

/** Lower case without accents: "Müller" → "muller", "João" → "joao". */
export function plain(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** The question as tokens: punctuation splits words except inside numbers ("1,000", "19.99") and words ("what's"). */
export function tokenize(question: string): Token[] {
  const cleaned = question.replace(/[’‘]/g, "'").replace(/(\d),(\d{3})\b/g, "$1$2");
  const words = cleaned.split(/[\s?!,;:()"“”/\-–—+&*]+|\.(?!\d)/).map((w) => w.replace(/^'+|'+$/g, "")).filter((w) => w.length > 0);
  const tokens: Token[] = [];
  let at = 0;
  for (const raw of words) {
    tokens.push({ raw, norm: plain(raw), at });
    at += plain(raw).length + 1;
  }
  return tokens;
}

/** Damerau–Levenshtein distance (a swap of two letters is one edit), capped: above `max` it returns max + 1. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

const SUFFIX = /(?:ies|ing|ed|ers|er|ions|ion|ly|es|s|y)$/;
/** "delivery" and "delivered" are two words of one family, not a typo of each other. */
const sameFamily = (a: string, b: string) => a.replace(SUFFIX, "") === b.replace(SUFFIX, "");

/**
 * Replaces words the demo does not know by the one known word within one edit (two for words of 7 letters or
 * more): "custmers" → "customers". Words it knows, fillers, numbers, words under 5 letters ("gold" is no typo
 * of "sold") and other forms of a known word ("delivery") are left as typed; so is a word two known words are
 * equally near (guessing between them would be answering confidently wrong).
 */
export function correctSpelling(tokens: Token[], known: ReadonlySet<string>): Array<{ typed: string; read: string }> {
  const corrections: Array<{ typed: string; read: string }> = [];
  let at = 0;
  for (const t of tokens) {
    const word = t.norm;
    const singular = word.replace(/(?:es|s)$/, "");
    // A possessive of a known word ("year's", "country's") is that word, not a typo of another.
    const owner = word.replace(/'s?$/, "");
    if (word.length >= 5 && !known.has(word) && !known.has(owner) && !known.has(singular) && !known.has(word.replace(/s$/, "")) && !FILLERS.has(word) && !/\d/.test(word)) {
      const max = word.length >= 7 ? 2 : 1;
      let best: string | undefined;
      let bestDistance = max + 1;
      let tie = false;
      for (const k of known) {
        if (k.length < 4) continue;
        const d = editDistance(word, k, max);
        if (d < bestDistance) [best, bestDistance, tie] = [k, d, false];
        else if (d === bestDistance && best !== undefined && !k.startsWith(best) && !best.startsWith(k)) tie = true;
      }
      if (best !== undefined && bestDistance <= max && !tie && !sameFamily(word, best)) {
        corrections.push({ typed: t.raw, read: best });
        t.norm = best;
      }
    }
    t.at = at;
    at += t.norm.length + 1;
  }
  return corrections;
}

/**
 * The question's text and which of its characters a recogniser has taken. Words taken as a name (a product, a
 * customer, a country) are locked: no other recogniser reads them ("French Press" is not about France); other
 * words may be read by several recognisers (a subject word is also part of "how many products did we sell").
 */
export class QuestionReader {
  readonly text: string;
  private readonly used: boolean[];
  private readonly locked: boolean[];

  constructor(readonly tokens: Token[]) {
    this.text = tokens.map((t) => t.norm).join(" ");
    this.used = Array.from({ length: this.text.length }, () => false);
    this.locked = Array.from({ length: this.text.length }, () => false);
  }

  private free(from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (this.locked[i]) return false;
    return true;
  }

  private unused(from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (this.used[i]) return false;
    return true;
  }

  private mark(from: number, to: number, lock = false): void {
    for (let i = from; i < to; i++) {
      this.used[i] = true;
      if (lock) this.locked[i] = true;
    }
  }

  /** Takes the first match of `re` and locks its words: a name. */
  takeName(re: RegExp): RegExpExecArray | null {
    const m = this.peek(re);
    if (m !== null) this.mark(m.index, m.index + m[0].length, true);
    return m;
  }

  /** The first match of `re` over words not taken yet, without taking it. */
  peek(re: RegExp): RegExpExecArray | null {
    const global = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
    let m: RegExpExecArray | null;
    while ((m = global.exec(this.text)) !== null) {
      if (this.free(m.index, m.index + m[0].length)) return m;
      // Try again from the next character: a shorter alternative may match outside the name.
      global.lastIndex = m.index + 1;
    }
    return null;
  }

  /** The first match of `re` over words not taken yet; its words are taken. */
  take(re: RegExp): RegExpExecArray | null {
    const m = this.peek(re);
    if (m !== null) this.mark(m.index, m.index + m[0].length);
    return m;
  }

  /** Whether `re` matches words not taken yet; if so they are taken. */
  has(re: RegExp): boolean {
    return this.take(re) !== null;
  }

  /** Takes every match of `re` outside names. */
  takeAll(re: RegExp): number {
    const global = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
    let n = 0;
    for (const m of this.text.matchAll(global)) {
      if (!this.free(m.index, m.index + m[0].length)) continue;
      this.mark(m.index, m.index + m[0].length);
      n++;
    }
    return n;
  }

  /** Takes the first token (as typed) that `test` accepts; returns it. */
  takeToken(test: (t: Token) => boolean): Token | undefined {
    const t = this.tokens.find((x) => test(x) && this.free(x.at, x.at + x.norm.length));
    if (t !== undefined) this.mark(t.at, t.at + t.norm.length, true);
    return t;
  }

  /** Words no recogniser took that are not fillers: what the demo did not understand, as typed. */
  leftovers(): string[] {
    return this.tokens.filter((t) => this.unused(t.at, t.at + t.norm.length) && !FILLERS.has(t.norm)).map((t) => t.raw);
  }
}

export const isFiller = (word: string) => FILLERS.has(word);
