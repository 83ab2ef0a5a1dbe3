import { redactSecrets } from "langgraph-telemetry";

/**
 * The model provider (OPENAI_BASE_URL) refused or failed a call: the client gets this status and message,
 * which names the setting to check and never the key; the log gets the provider's reason too.
 */
export class ModelProviderError extends Error {
  override name = "ModelProviderError";
  readonly expose = true;
  /** Set by the service once the run is stored. */
  runId?: string;
  traceId?: string;

  constructor(
    message: string,
    /** The answer's HTTP status: 502 (refused or failed), 503 (rate limit, quota), 504 (timeout). */
    readonly status: 502 | 503 | 504,
    /** The setting to check. */
    readonly setting: "OPENAI_API_KEY" | "OPENAI_MODEL" | "OPENAI_BASE_URL",
    /** The provider's own reason (its error code or type and its message, key-shaped strings redacted), for the log. */
    readonly reason: string,
    readonly providerStatus?: number,
    /** Seconds the provider asked to wait (Retry-After). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }

  /** The JSON the client gets. */
  toJSON(): Record<string, unknown> {
    return { error: this.message, setting: this.setting, ...(this.providerStatus !== undefined ? { providerStatus: this.providerStatus } : {}), ...(this.runId ? { runId: this.runId } : {}), ...(this.traceId ? { traceId: this.traceId } : {}) };
  }
}

type ErrorLike = { name?: unknown; status?: unknown; code?: unknown; type?: unknown; message?: unknown; lc_error_code?: unknown; headers?: unknown; cause?: unknown; constructor?: { name?: string } };

/** The error, then its causes: LangChain and LangGraph may wrap the SDK's error. */
function* chain(error: unknown): Generator<ErrorLike> {
  let e = error;
  for (let depth = 0; depth < 5 && e !== null && typeof e === "object"; depth++) {
    yield e as ErrorLike;
    e = (e as ErrorLike).cause;
  }
}

function header(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== "object") return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/** The provider's failure in `error` (status from the OpenAI SDK, LangChain's error codes), or undefined. */
export function providerFailure(error: unknown): ModelProviderError | undefined {
  for (const e of chain(error)) {
    const status = typeof e.status === "number" ? e.status : undefined;
    const code = typeof e.code === "string" && /^[\w.-]{1,64}$/.test(e.code) ? e.code : typeof e.type === "string" && /^[\w.-]{1,64}$/.test(e.type) ? e.type : undefined;
    const kind = e.constructor?.name ?? (typeof e.name === "string" ? e.name : "Error");
    const reason = `${[status !== undefined ? `HTTP ${status}` : undefined, code ?? kind].filter(Boolean).join(" ")}: ${redactSecrets(String(e.message ?? "")).slice(0, 300)}`;
    const http = status !== undefined ? `HTTP ${status}${code ? `, ${code}` : ""}` : (code ?? kind);
    if (status === 401 || status === 403 || e.lc_error_code === "MODEL_AUTHENTICATION") {
      return new ModelProviderError(`the model provider refused the credentials (${http}): check OPENAI_API_KEY (and OPENAI_BASE_URL, when it points to another server)`, 502, "OPENAI_API_KEY", reason, status);
    }
    if (status === 404 || e.lc_error_code === "MODEL_NOT_FOUND") {
      return new ModelProviderError(`the model provider does not know the model (${http}): check OPENAI_MODEL (and OPENAI_BASE_URL)`, 502, "OPENAI_MODEL", reason, status);
    }
    if (status === 429 || e.lc_error_code === "MODEL_RATE_LIMIT") {
      const retryAfter = Number(header(e.headers, "retry-after"));
      return new ModelProviderError(
        `the model provider is rate-limiting or out of quota (${http}): check the plan and quota of the account behind OPENAI_API_KEY, or try again later`,
        503,
        "OPENAI_API_KEY",
        reason,
        status,
        Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined,
      );
    }
    if (status !== undefined && status >= 500) {
      return new ModelProviderError(`the model provider failed (${http}): try again later, and check OPENAI_BASE_URL and the provider's status`, 502, "OPENAI_BASE_URL", reason, status);
    }
    if (kind === "APIConnectionTimeoutError" || (e.name === "TimeoutError" && kind !== "DOMException")) {
      return new ModelProviderError("the model provider did not answer in time: check OPENAI_BASE_URL and the provider's status", 504, "OPENAI_BASE_URL", reason);
    }
    if (kind === "APIConnectionError") {
      return new ModelProviderError("could not reach the model provider: check OPENAI_BASE_URL (and the network between this server and it)", 502, "OPENAI_BASE_URL", reason);
    }
  }
  return undefined;
}
