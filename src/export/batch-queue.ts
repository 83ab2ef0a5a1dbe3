export interface BatchQueueOptions<T> {
  /** Sends one batch; resolves true when the backend accepted it. Never called concurrently. */
  send: (batch: T[]) => Promise<boolean>;
  maxQueueSize: number;
  maxBatchSize: number;
  /** Delay before a partial batch is sent. */
  delayMs: number;
  /** Called with the number of items lost (queue full, or their batch failed). */
  onDropped: (count: number) => void;
  /**
   * When the queue is full: takes everything queued (oldest first) off the queue's hands, or returns false
   * (then the new item is dropped and counted). Called on the path of `push`: it must only hand the items on.
   */
  onOverflow?: (items: T[]) => boolean;
}

/**
 * A bounded, batching send queue. `push` is O(1) and never waits: when the queue is full the item is dropped
 * and counted, so a slow or dead backend costs the application memory up to `maxQueueSize` items and nothing
 * else. One batch is in flight at a time; timers are unref'd so the queue never keeps a process alive.
 */
export class BatchQueue<T> {
  private readonly options: BatchQueueOptions<T>;
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closed = false;
  /** Items of the batch being sent; if close() gives up on it, they are counted as dropped right then. */
  private inFlight = 0;
  private inFlightItems: T[] = [];
  sent = 0;
  dropped = 0;
  /** Delay before a partial batch is sent; its owner may change it (for the timers set from then on). */
  delayMs: number;

  constructor(options: BatchQueueOptions<T>) {
    this.options = options;
    this.delayMs = options.delayMs;
  }

  get size(): number {
    return this.queue.length;
  }

  push(item: T): void {
    if (this.closed) {
      this.drop(1);
      return;
    }
    if (this.queue.length >= this.options.maxQueueSize) {
      if (!this.overflow()) {
        this.drop(1);
        return;
      }
    }
    this.queue.push(item);
    if (this.sending !== undefined) return; // the running send loop picks it up
    if (this.queue.length >= this.options.maxBatchSize) this.kick();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.kick(), this.delayMs);
      this.timer.unref?.();
    }
  }

  /** Sends everything queued; resolves when done or when `deadline` (epoch ms) passes, whichever is first. */
  async flush(deadline: number): Promise<void> {
    const drained = (async () => {
      while (this.queue.length > 0 || this.sending !== undefined) {
        if (this.sending === undefined) this.kick();
        await this.sending;
      }
    })();
    await raceDeadline(drained, deadline);
  }

  /**
   * Stops accepting items, then flushes until `deadline`; what is left is dropped and counted, including a
   * batch still in flight (the process may exit before its request settles; if it later succeeds, it was
   * still counted as dropped: we cannot know in time).
   */
  async close(deadline: number): Promise<void> {
    await this.flush(deadline);
    this.abandon();
  }

  /**
   * Stops accepting items and hands over what is left: the batch in flight (its request may still succeed)
   * and everything queued. They are no longer the queue's to count.
   */
  drain(): T[] {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const left = this.inFlightItems.concat(this.queue);
    this.inFlight = 0;
    this.inFlightItems = [];
    this.queue = [];
    return left;
  }

  /** Stops accepting items and counts what is left (queued or in flight) as dropped, now. Idempotent. */
  abandon(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight > 0) {
      this.drop(this.inFlight);
      this.inFlight = 0;
      this.inFlightItems = [];
    }
    if (this.queue.length > 0) {
      this.drop(this.queue.length);
      this.queue = [];
    }
  }

  private kick(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending !== undefined || this.queue.length === 0) return;
    this.sending = this.loop().finally(() => {
      this.sending = undefined;
      // Items that arrived during the last send and did not fill a batch wait for the timer.
      if (this.queue.length > 0 && !this.closed && this.timer === undefined) {
        this.timer = setTimeout(() => this.kick(), this.delayMs);
        this.timer.unref?.();
      }
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      this.inFlight = batch.length;
      this.inFlightItems = batch;
      let ok = false;
      try {
        ok = await this.options.send(batch);
      } catch {
        ok = false;
      }
      if (this.closed) return; // a send that outlived close() (or drain()) was counted or handed over there
      this.inFlight = 0;
      this.inFlightItems = [];
      if (ok) this.sent += batch.length;
      else this.drop(batch.length);
      // Send full batches back to back; a partial one waits for more (or the timer) unless flushing.
      if (this.queue.length < this.options.maxBatchSize) break;
    }
  }

  /** Hands the full queue to onOverflow; true if it took it. */
  private overflow(): boolean {
    if (this.options.onOverflow === undefined) return false;
    const items = this.queue;
    let taken = false;
    try {
      taken = this.options.onOverflow(items);
    } catch {
      taken = false;
    }
    if (taken) this.queue = [];
    return taken;
  }

  private drop(count: number): void {
    this.dropped += count;
    try {
      this.options.onDropped(count);
    } catch {
      // a failing counter must not break the queue
    }
  }
}

/** Resolves when `promise` settles or at `deadline` (epoch ms), never rejects; the timer never holds the process. */
export async function raceDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    timer.unref?.();
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
