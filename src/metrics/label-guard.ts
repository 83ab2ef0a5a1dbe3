import { cut } from "../shared/text.js";
/** Value every label falls back to once its bound of distinct values is reached. */
export const OTHER = "other";

const MAX_VALUE_LENGTH = 100;
const UNSAFE = /[^\w.:/@+\- ]/g;

/**
 * Keeps one label's values bounded: values are sanitised (printable, at most 100 characters) and the
 * first `max` distinct ones are kept; any later new value becomes `other`. Lookups of known values
 * allocate nothing.
 */
export class LabelGuard {
  private readonly seen = new Map<string, string>();

  constructor(private readonly max: number) {}

  value(raw: string | undefined, fallback: string): string {
    if (raw === undefined || raw === "") return fallback;
    const known = this.seen.get(raw);
    if (known !== undefined) return known;
    if (this.seen.size >= this.max) return OTHER;
    const trimmed = raw.trim();
    const clean = cut(trimmed, MAX_VALUE_LENGTH).replace(UNSAFE, "_") || fallback;
    this.seen.set(raw, clean);
    return clean;
  }

  get size(): number {
    return this.seen.size;
  }
}
