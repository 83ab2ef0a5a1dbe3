/** work_mem as PostgreSQL takes it, checked before it goes into a SET: "8MB", "512kB". */
export const WORK_MEM = /^\d+(kB|MB)$/;

/** The error of a query that found the queue full or waited too long; SQLSTATE-like code for `categorize`. */
export class QueryBusyError extends Error {
  override name = "QueryBusyError";
  constructor(
    message: string,
    readonly code: "53300" | "57014",
  ) {
    super(message);
  }
}

/**
 * At most `concurrency` queries run at once; at most `maxWaiting` wait, each no longer than its own timeout.
 * A burst of slow queries gets a clear error instead of piling up without bound.
 */
export class QueryGate {
  private running = 0;
  private readonly waiting: Array<{ start: () => void }> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`query concurrency must be a positive integer, got ${String(concurrency)}`);
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new Error(`maxWaiting must be an integer ≥ 0, got ${String(maxWaiting)}`);
  }

  async run<T>(task: () => Promise<T>, waitTimeoutMs: number): Promise<T> {
    if (this.running >= this.concurrency) await this.enqueue(waitTimeoutMs);
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
    }
  }

  private enqueue(timeoutMs: number): Promise<void> {
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new QueryBusyError(`too many queries at once (${this.concurrency} running, ${this.maxWaiting} waiting): try again shortly`, "53300"));
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(new QueryBusyError(`canceling statement: waited ${timeoutMs} ms for a free query slot`, "57014"));
      }, timeoutMs);
      this.waiting.push(entry);
    });
  }
}
