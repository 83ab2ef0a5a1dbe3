import type { ResolvedCheck } from "./options.js";
import type { ReadinessCheckResult, ReadinessReport } from "./types.js";

type Outcome = { ok: true } | { ok: false; error: string };

const OK: Outcome = { ok: true };
const TIMEOUT = Symbol("timeout");

/** The error's `code` (ECONNREFUSED) or class name: enough to act on, and no message that could leak internals. */
function describe(error: unknown): string {
  if (error !== null && typeof error === "object") {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.length > 0 && code.length <= 64) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && name.length > 0 && name.length <= 64) return name;
  }
  return typeof error === "string" ? "Error" : typeof error;
}

function invoke(check: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(check());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Runs the readiness checks of one router: all at once, each under its own timeout. A check still running
 * from an earlier probe is awaited again instead of being called again, so a hung dependency costs one
 * pending call, not one per probe.
 */
export class Readiness {
  private readonly inFlight = new Map<string, Promise<Outcome>>();

  constructor(private readonly checks: readonly ResolvedCheck[]) {}

  async run(): Promise<{ ready: boolean; report: ReadinessReport }> {
    const results = await Promise.all(this.checks.map((c) => this.runOne(c)));
    const checks: Record<string, ReadinessCheckResult> = {};
    let ready = true;
    this.checks.forEach((c, i) => {
      const result = results[i]!;
      checks[c.name] = result;
      if (result.status !== "ok") ready = false;
    });
    return { ready, report: { status: ready ? "ok" : "unavailable", checks } };
  }

  private outcome(c: ResolvedCheck): Promise<Outcome> {
    const running = this.inFlight.get(c.name);
    if (running !== undefined) return running;
    const started = invoke(c.check).then(
      (value): Outcome => (value === false ? { ok: false, error: "returned false" } : OK),
      (error: unknown): Outcome => ({ ok: false, error: describe(error) }),
    );
    this.inFlight.set(c.name, started);
    void started.then(() => {
      if (this.inFlight.get(c.name) === started) this.inFlight.delete(c.name);
    });
    return started;
  }

  private async runOne(c: ResolvedCheck): Promise<ReadinessCheckResult> {
    const start = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(resolve, c.timeoutMs, TIMEOUT);
    });
    const outcome = await Promise.race([this.outcome(c), timeout]);
    clearTimeout(timer);
    const durationMs = Math.round((performance.now() - start) * 10) / 10;
    if (outcome === TIMEOUT) return { status: "timeout", durationMs, error: `timed out after ${c.timeoutMs} ms` };
    return outcome.ok ? { status: "ok", durationMs } : { status: "error", durationMs, error: outcome.error };
  }
}
