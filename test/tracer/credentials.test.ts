import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../src/index.js";
import { isCredentialKey } from "../../src/shared/credentials.js";
import { safeStringify, safeStringifyJsonText } from "../../src/tracer/content.js";

const VALUE = "s3cr3tValue";

/** Keys that hold credentials in real code: each redaction path must drop their values. */
const CREDENTIAL_KEYS = [
  "api_key", "apiKey", "API_KEY", "x-api-key", "apikey", "openai_api_key", "token", "auth_token", "authToken", "id_token", "access_token", "refreshToken",
  "csrf-token", "password", "db_password", "passwd", "pwd", "passphrase", "secret", "client_secret", "clientSecret", "secret_key", "aws_secret_access_key",
  "authorization", "Authorization", "credentials", "private_key", "privateKey", "auth", "basic_auth", "cookie", "set-cookie",
];
/** Keys that look close and are not credentials: usage counts, ids, names. */
const ORDINARY_KEYS = ["max_tokens", "input_tokens", "total_tokens", "tokens", "token_count", "input_token_details", "keyboard", "monkey", "key", "author", "model", "user_id", "session_id", "thread_id"];

describe("one list of credential keys, used by every redaction path", () => {
  it.each(CREDENTIAL_KEYS)("%s is a credential in captured objects, tool arguments (parsed or not) and error text", (key) => {
    expect(isCredentialKey(key)).toBe(true);
    const paths = {
      object: safeStringify({ [key]: VALUE, model: "gpt-4o" }, 10_000),
      toolArguments: safeStringifyJsonText(JSON.stringify({ [key]: VALUE, model: "gpt-4o" }), 10_000),
      // Cut JSON text cannot be parsed: its fields are masked by pattern.
      cutToolArguments: safeStringifyJsonText(`{"${key}": "${VALUE}", "model": "gpt-4o", "messages": [`, 10_000),
      errorPair: redactSecrets(`connect failed (${key}=${VALUE}; host=db)`),
      errorColon: redactSecrets(`refused ${key}: ${VALUE} by upstream`),
      errorJson: redactSecrets(`body {"${key}": "${VALUE}"}`),
    };
    for (const [path, text] of Object.entries(paths)) expect(text, `${path}: ${text}`).not.toContain(VALUE);
    expect(paths.object).toContain("gpt-4o");
  });

  it.each(ORDINARY_KEYS)("%s is kept in every path", (key) => {
    expect(isCredentialKey(key)).toBe(false);
    expect(safeStringify({ [key]: VALUE }, 10_000)).toContain(VALUE);
    expect(safeStringifyJsonText(JSON.stringify({ [key]: VALUE }), 10_000)).toContain(VALUE);
    expect(safeStringifyJsonText(`{"${key}": "${VALUE}", "messages": [`, 10_000)).toContain(VALUE);
    expect(redactSecrets(`failed (${key}=${VALUE})`)).toContain(VALUE);
  });

  it("stays linear on long key-like text", () => {
    const dotted = "a.".repeat(100_000) + "=x";
    const started = performance.now();
    redactSecrets(dotted);
    safeStringifyJsonText(`{"${"a-".repeat(50_000)}": "x"`, 1_000_000);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
