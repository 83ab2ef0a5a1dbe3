/**
 * The one shape of an option error, for every constructor of ours: it names the owner and the option, shows
 * the value and says what is allowed (`WorkflowTracer: invalid option runTtlMs: -1. Expected a positive
 * integer.`). Leaf module: imports nothing of ours.
 */

/** Throws the option error of `option`. */
export type OptionFailure = (option: string, value: unknown, expected: string) => never;

/** A value as an option error shows it: JSON where it can be, else its string form. */
export function shownValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The option errors of `owner` (a class or function name). */
export function optionFailure(owner: string): OptionFailure {
  return (option, value, expected) => {
    throw new TypeError(`${owner}: invalid option ${option}: ${shownValue(value)}. Expected ${expected}.`);
  };
}
