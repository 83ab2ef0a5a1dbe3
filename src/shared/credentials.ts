/**
 * The one list of key names that hold credentials, for every redaction path: captured content (object keys),
 * tool arguments (JSON text), error messages and stacks (`name=value` pairs), and what reuses them (score
 * comments, the console). A leaf module: it imports nothing.
 *
 * A key is a credential when
 * - one of these words stands anywhere in it: `secret`, `password`, `passwd`, `pwd`, `passphrase`,
 *   `authorization`, `credential` (`client_secret`, `dbPassword`, `credentials`);
 * - it ends in `token`, `auth` or `cookie` (`token`, `auth_token`, `id_token`, `refreshToken`, `basic_auth`),
 *   so `max_tokens`, `input_tokens` and `token_count` are not;
 * - it ends in a key of a credential kind: `api_key`, `apiKey`, `x-api-key`, `private_key`, `access_key`,
 *   `client_key`, `signing_key`, `encryption_key`.
 * Letters in any case; words joined by `_`, `-`, `.` or camelCase.
 */

const ANYWHERE = ["secret", "password", "passwd", "pwd", "passphrase", "authorization", "credential"];
const ENDINGS = ["token", "auth", "cookie"];
const KEY_KINDS = ["api", "private", "secret", "access", "client", "signing", "encryption"];

/**
 * A credential key name as a regular-expression source (no anchors, no flags; match it case-insensitively).
 * Its repetitions are bounded, so a scan of long text stays linear.
 */
export const CREDENTIAL_KEY_SOURCE = `[\\w.-]{0,64}?(?:(?:${ANYWHERE.join("|")})[\\w.-]{0,64}|${ENDINGS.join("|")}|(?:${KEY_KINDS.join("|")})[_.-]?key)`;

const WHOLE_KEY = new RegExp(`^(?:${CREDENTIAL_KEY_SOURCE})$`, "i");
const OTHER_CHARACTER = /[^\w.-]/;
const OTHER_CHARACTERS = /[^\w.-]/g;
const MAX_KEY_LENGTH = 256;

/** True for a key that names a credential (the rules above). Never throws. */
export function isCredentialKey(key: string): boolean {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  // Spaces and other characters count as word separators ("Api Key", "x api key").
  return WHOLE_KEY.test(key) || (OTHER_CHARACTER.test(key) && WHOLE_KEY.test(key.replace(OTHER_CHARACTERS, "_")));
}
