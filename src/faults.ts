import { diag } from "@opentelemetry/api";

/**
 * Our own failures inside a middleware or span processor: swallowed so the app never sees them, counted, and logged once per
 * kind through `diag.warn` (not hidden at debug level).
 */
export class Faults {
  private readonly warned = new Set<string>();
  count = 0;

  constructor(
    private readonly owner: string,
    private readonly onFault?: () => void,
  ) {}

  record(where: string, error: unknown): void {
    this.count++;
    try {
      this.onFault?.();
      if (!this.warned.has(where)) {
        this.warned.add(where);
        diag.warn(`langgraph-telemetry ${this.owner}: internal error in ${where} (swallowed): ${error instanceof Error ? error.message : String(error)}`);
      }
    } catch {
      // Nothing more to do without risking the request.
    }
  }
}
