/**
 * Key-shaped strings in error text. Providers and proxies echo the key they refused (`Incorrect API key
 * provided: sk-…`), so an error message can carry a credential into a span, a log, a database row or a score.
 * These patterns run on error paths only (messages and stacks), never on the hot path.
 */
import { CREDENTIAL_KEY_SOURCE } from "../shared/credentials.js";

const MARK = "[redacted]";

/** A `-----BEGIN … PRIVATE KEY-----` block. */
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
/** `Authorization`-style credentials: `Bearer <token>`, `Basic <base64>`, `Token <token>`. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)([ \t]+)[A-Za-z0-9._~+/=-]{6,}/gi;
/** `name=value` / `name: value` / `"name": "value"` for credential key names (the one list in shared/credentials.ts). */
const NAMED = new RegExp(`\\b(${CREDENTIAL_KEY_SOURCE})(["']?[ \\t]*[:=][ \\t]*["']?)(?!\\[redacted\\])([^\\s"'&,;)}\\]]+)`, "gi");
/** User and password in a URL: `scheme://user:pass@host`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/@:]+:[^\s/@]+@/gi;
/** Vendor key formats: OpenAI/Anthropic/Langfuse/Stripe (`sk-`, `pk-`, `rk_`), AWS, GitHub, Google, Slack, Hugging Face, Groq, xAI, JWTs. */
const VENDOR =
  /\b(?:(?:sk|pk|rk)[-_][A-Za-z0-9_-]{8,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AIza[0-9A-Za-z_-]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|hf_[A-Za-z0-9]{20,}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)/g;
/**
 * Any long run of base64/hex alphabet with both letters and digits and a stretch of 16 without a separator:
 * an unknown vendor's key, a hex secret; not a UUID or a path (short parts between `-`, `_`, `/`).
 */
const LONG_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
const HAS_DIGIT = /\d/;
const HAS_LETTER = /[A-Za-z]/;
const UNBROKEN = /[A-Za-z0-9]{16}/;
const looksSecret = (run: string) => HAS_DIGIT.test(run) && HAS_LETTER.test(run) && UNBROKEN.test(run);

/**
 * `text` with anything key-shaped replaced by `[redacted]`: `sk-…`-style vendor keys, `Bearer …`/`Basic …`
 * credentials, `api_key=…`, `password: …` and similar pairs, `user:pass@` in URLs, PEM private keys, JWTs, and
 * any run of 32 or more base64/hex characters mixing letters and digits with 16 in a row between separators
 * (a 32-hex trace id is masked too: the rule cannot tell it from a hex key; a UUID is kept). Linear-time patterns; never throws.
 */
export function redactSecrets(text: string): string {
  if (typeof text !== "string" || text.length === 0) return typeof text === "string" ? text : "";
  try {
    return text
      .replace(PEM, MARK)
      .replace(URL_USERINFO, `$1${MARK}@`)
      .replace(AUTH_SCHEME, `$1$2${MARK}`)
      .replace(NAMED, `$1$2${MARK}`)
      .replace(VENDOR, MARK)
      .replace(LONG_RUN, (run) => (looksSecret(run) ? MARK : run));
  } catch {
    return MARK;
  }
}
