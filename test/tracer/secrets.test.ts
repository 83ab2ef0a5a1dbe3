import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../src/index.js";

describe("redactSecrets: key-shaped strings out of error text", () => {
  it.each([
    ["OpenAI project key echoed by a proxy", "401 Incorrect API key provided: sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f. You can find…", "401 Incorrect API key provided: [redacted]. You can find…"],
    ["classic OpenAI key", "key sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z is invalid", "key [redacted] is invalid"],
    ["Anthropic key", "x-api-key sk-ant-api03-Ab3dEf6hIj9kLm2nOp5q refused", "x-api-key [redacted] refused"],
    ["Langfuse keys", "pk-lf-1234abcd / sk-lf-5678efgh", "[redacted] / [redacted]"],
    ["Bearer header", "sent Authorization: Bearer abc.def-123_XYZ to the proxy", "sent Authorization: [redacted] [redacted] to the proxy"],
    ["Basic credentials", "upstream said: Basic dXNlcjpwYXNzd29yZA== rejected", "upstream said: Basic [redacted] rejected"],
    ["api_key query parameter", "GET https://api.example.com/v1?api_key=AbC123xyz&q=1 failed", "GET https://api.example.com/v1?api_key=[redacted]&q=1 failed"],
    ["JSON credential field", '{"apiKey": "abc123def456", "model": "gpt-4o"}', '{"apiKey": "[redacted]", "model": "gpt-4o"}'],
    ["password pair", "connect failed (password=hunter2; host=db)", "connect failed (password=[redacted]; host=db)"],
    ["URL user info", "cannot reach postgres://app:s3cr3t@db:5432/shop", "cannot reach postgres://[redacted]@db:5432/shop"],
    ["AWS access key", "AKIAIOSFODNN7EXAMPLE is not authorized", "[redacted] is not authorized"],
    ["GitHub token", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a rejected", "token [redacted] rejected"],
    ["JWT", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U expired", "jwt [redacted] expired"],
    ["long hex secret", "signature 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 mismatch", "signature [redacted] mismatch"],
    ["long base64 secret", "secret value Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbA== leaked", "secret value [redacted] leaked"],
    ["PEM private key", "bad key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- end", "bad key [redacted] end"],
  ])("%s", (_label, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each([
    ['relation "orders" does not exist'],
    ["429 Too Many Requests: Rate limit reached for gpt-4o-mini in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000"],
    ["max_tokens: 4096 is too large; tokens: 5000"],
    ['duplicate key value violates unique constraint "query_runs_pkey": Key (trace_id)=(abc) already exists.'],
    ["request 3f2b1c4e-9a7d-4e1b-8c2f-1a2b3c4d5e6f timed out after 30000 ms"],
    ["Unexpected token '<' in JSON at position 0"],
    ["at file:///work/app/node_modules/@langchain/openai/dist/chat_models.js:1234:56"],
  ])("keeps an ordinary message as it is: %s", (message) => {
    expect(redactSecrets(message)).toBe(message);
  });

  it("is linear on long input and never throws", () => {
    const long = "a=".repeat(50_000) + "x".repeat(100_000);
    const started = performance.now();
    redactSecrets(long);
    expect(performance.now() - started).toBeLessThan(200);
    expect(redactSecrets("")).toBe("");
    expect(redactSecrets(undefined as never)).toBe("");
  });
});
