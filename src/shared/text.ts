/**
 * Cutting strings to a bound. Leaf module: imports nothing of ours.
 */

/**
 * The first `maxLength` characters of `text`, as a string of its own. A plain slice of a long string keeps
 * the whole string alive (V8's sliced strings point into it): a 200-character cache key cut from a 100 kB
 * name would hold the 100 kB.
 */
export function cut(text: string, maxLength: number): string {
  return text.length > maxLength ? (" " + text.slice(0, maxLength)).slice(1) : text;
}

/** `text` cut to `maxLength` characters, the last one an ellipsis when something was cut. */
export function truncate(text: string, maxLength: number): string {
  return text.length > maxLength ? `${cut(text, Math.max(0, maxLength - 1))}…` : text;
}
