/**
 * Reading untrusted values (callback arguments, provider payloads, options) without guessing: each reader
 * returns the value in the shape asked for, bounded, or undefined. Leaf module: imports nothing of ours.
 */
import { cut } from "./text.js";

export type Obj = Record<string, unknown>;

/** Names, ids and reasons become span names, attribute values, cache keys and labels: cut to this. */
export const MAX_NAME_LENGTH = 200;

/** No call uses a billion tokens: a count outside [0, 1e9] is a broken report (and would push counters to +Inf). */
const MAX_TOKENS = 1e9;

/** Any object (arrays included), or undefined. */
export function objectOf(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" ? (value as Obj) : undefined;
}

/** A plain object (`{}`/`Object.create(null)`), not a class instance, array, typed array or proxy of one. */
export function isPlainObject(value: unknown): value is Obj {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A non-empty string cut to `max` characters, or undefined. */
export function stringOf(value: unknown, max: number = MAX_NAME_LENGTH): string | undefined {
  if (typeof value !== "string" || value.length === 0) return undefined;
  return cut(value, max);
}

/** A finite number, or undefined. */
export function finiteOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A token count: a number in [0, 1e9], or undefined. */
export function tokenCountOf(value: unknown): number | undefined {
  return typeof value === "number" && value >= 0 && value <= MAX_TOKENS ? value : undefined;
}
