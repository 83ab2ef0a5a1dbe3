import { BatchQueue, raceDeadline } from "./batch-queue.js";
import { post, type HttpTarget } from "./otlp-http.js";
import type { SpoolQueue, SpoolStats } from "./spool.js";

/** What each export pipeline has done so far. */
export interface ExportStats {
  /** Items (spans, scores, log records) accepted by the backend when first sent. */
  sent: number;
  /** Lost: queue full, refused by the backend, failed with no spool, or lost from the spool (see `spool.dropped`). */
  dropped: number;
  /** Waiting in memory to be sent. */
  queued: number;
  /** With the spool on: what went to disk and came back. */
  spool?: SpoolStats;
}

export interface ExportLaneOptions<T> {
  target: HttpTarget;
  /** The request body of a batch (an OTLP request, Langfuse's ingestion JSON). Runs on the export side only. */
  encode: (items: T[]) => Uint8Array;
  maxQueueSize: number;
  maxBatchSize: number;
  /** Delay before a partial batch is sent. */
  delayMs: number;
  /** Timeout of one request. */
  exportTimeoutMs: number;
  /** Where what cannot be delivered goes; undefined: it is dropped and counted. */
  spool: SpoolQueue | undefined;
  /** Items lost by the in-memory side (queue full, refused, failed without a spool); the spool counts its own. */
  onDropped: (count: number) => void;
}

/**
 * Down, batches go to the local disk: they are written at least this often, so a kill loses at most about
 * this much of what ended (the network's batching delay, `scheduledDelayMs`, is about requests, not files).
 */
const DISK_DELAY_MS = 500;
/** Pause before the first probe of a backend that failed, doubling up to five batch delays (5 s by default). */
const FIRST_PROBE_MS = 500;
const PROBE_DELAYS = 5;

/**
 * One backend's export: a bounded in-memory queue in front of one HTTP request at a time, and, with a spool,
 * a second life on disk for what the backend does not take.
 *
 * - Up: each batch is encoded and posted. A batch the backend does not take (no answer in time, no
 *   connection, 408, 429, 5xx) is written to the spool as the encoded request, and the lane goes down. A
 *   batch it refuses (any other 4xx) is dropped, counted: sending it again cannot help.
 * - Down: batches go straight to the spool (local disk, so the queue keeps draining; a partial batch waits
 *   at most 0.5 s, so a kill loses little), while a probe — the
 *   oldest spooled request — is sent after a pause that doubles from 0.5 s to five batch delays (5 s with
 *   the default `scheduledDelayMs`). When a probe is
 *   delivered, the lane is up and replays the spool oldest first.
 * - Replay shares the one request in flight with fresh batches: a fresh batch waits for at most one replay
 *   request, and replay takes no new turn while a full batch (or a fresh send) waits, so it gets at most every
 *   other request while fresh exports are pending, and all of them while the queue is idle.
 * - The queue full (a backend that hangs, at a high rate): with a spool, its contents are handed to the disk
 *   in the background rather than dropped (one such hand-over at a time; past that, new items are dropped).
 */
export class ExportLane<T> {
  readonly queue: BatchQueue<T>;
  sent = 0;
  /** Lost by the lane outside the queue's counting (not encodable, or not written by the close deadline). */
  private droppedHere = 0;
  private down = false;
  private probeDelay = 0;
  private probeAt = 0;
  /** A fresh request in flight. */
  private busy = false;
  /** A replay step in flight. */
  private replaying: Promise<void> | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  private replayDue = 0;
  /** Items of a full queue waiting to be written to the spool, and the write draining them. */
  private overflowItems: T[] = [];
  private overflowWrite: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ExportLaneOptions<T>) {
    this.queue = new BatchQueue<T>({
      send: (batch) => this.send(batch),
      maxQueueSize: options.maxQueueSize,
      maxBatchSize: options.maxBatchSize,
      delayMs: options.delayMs,
      onDropped: options.onDropped,
      ...(options.spool !== undefined ? { onOverflow: (items: T[]) => this.overflow(items) } : {}),
    });
    // What an earlier process left is sent as soon as the backend answers.
    if (options.spool !== undefined && options.spool.size > 0) this.scheduleReplay(0);
  }

  push(item: T): void {
    this.queue.push(item);
  }

  stats(): ExportStats {
    const spool = this.options.spool;
    const out: ExportStats = { sent: this.sent, dropped: this.queue.dropped + this.droppedHere + (spool?.stats.dropped ?? 0), queued: this.queue.size };
    if (spool !== undefined) out.spool = { ...spool.stats };
    return out;
  }

  /** Sends (or, down, spools) everything queued; resolves by `deadline` (epoch ms). Replay is not waited for. */
  async flush(deadline: number): Promise<void> {
    await this.queue.flush(deadline);
  }

  /**
   * Flushes until `deadline`. With a spool, a part of the time is kept to write what is still queued or in
   * flight to disk (a request in flight may still succeed: then it is delivered twice). Without one, what is
   * left is dropped and counted.
   */
  async close(deadline: number): Promise<void> {
    const spool = this.options.spool;
    if (spool === undefined) {
      this.closed = true;
      await this.queue.close(deadline);
      return;
    }
    const reserve = Math.min(1000, Math.max(0, (deadline - Date.now()) / 4));
    await this.queue.flush(deadline - reserve);
    this.closed = true;
    if (this.replayTimer !== undefined) clearTimeout(this.replayTimer);
    const left = this.queue.drain();
    left.unshift(...this.overflowItems.splice(0));
    let written = 0;
    const writing = (async () => {
      await this.overflowWrite;
      for (let i = 0; i < left.length; i += this.options.maxBatchSize) {
        const batch = left.slice(i, i + this.options.maxBatchSize);
        await this.toSpool(batch);
        written += batch.length;
      }
    })();
    await raceDeadline(writing, deadline);
    this.lost(left.length - written);
  }

  /** Counts what is still queued as dropped, now (shutdown's deadline has passed). */
  abandon(): void {
    this.closed = true;
    if (this.replayTimer !== undefined) clearTimeout(this.replayTimer);
    this.queue.abandon();
  }

  private async send(batch: T[]): Promise<boolean> {
    let body: Uint8Array;
    try {
      body = this.options.encode(batch);
    } catch {
      return false; // an item we cannot encode: counted as dropped by the queue
    }
    const spool = this.options.spool;
    if (spool !== undefined && this.down) {
      await spool.write(this.options.target.contentType, body, batch.length);
      this.scheduleReplay(Math.max(0, this.probeAt - Date.now()));
      return true;
    }
    while (this.replaying !== undefined) await this.replaying;
    this.busy = true;
    const delivery = await post(this.options.target, body, Date.now() + this.options.exportTimeoutMs);
    this.busy = false;
    if (delivery === "delivered") {
      this.sent += batch.length;
      this.up();
      return true;
    }
    if (delivery === "refused" || spool === undefined) return false;
    this.failed();
    await spool.write(this.options.target.contentType, body, batch.length);
    return true;
  }

  /**
   * The queue is full: its items go to disk in the background. What waits for the disk is bounded by
   * `maxQueueSize` too; past that the queue keeps its items and the new one is dropped (counted).
   */
  private overflow(items: T[]): boolean {
    if (this.closed || this.overflowItems.length + items.length > this.options.maxQueueSize) return false;
    for (const item of items) this.overflowItems.push(item);
    this.overflowWrite ??= (async () => {
      await new Promise((resolve) => setImmediate(resolve)); // never on the path of the push that overflowed
      while (this.overflowItems.length > 0) await this.toSpool(this.overflowItems.splice(0, this.options.maxBatchSize));
    })().finally(() => {
      this.overflowWrite = undefined;
    });
    return true;
  }

  private async toSpool(batch: T[]): Promise<void> {
    let body: Uint8Array;
    try {
      body = this.options.encode(batch);
    } catch {
      this.lost(batch.length);
      return;
    }
    await this.options.spool!.write(this.options.target.contentType, body, batch.length);
    if (!this.closed) this.scheduleReplay(this.down ? Math.max(0, this.probeAt - Date.now()) : 0);
  }

  private up(): void {
    this.down = false;
    this.queue.delayMs = this.options.delayMs;
    this.probeDelay = 0;
    if ((this.options.spool?.size ?? 0) > 0) this.scheduleReplay(0);
  }

  private failed(): void {
    this.down = true;
    this.queue.delayMs = Math.min(this.options.delayMs, DISK_DELAY_MS);
    const longest = Math.max(FIRST_PROBE_MS, PROBE_DELAYS * this.options.delayMs);
    this.probeDelay = this.probeDelay === 0 ? Math.min(FIRST_PROBE_MS, longest) : Math.min(longest, this.probeDelay * 2);
    this.probeAt = Date.now() + this.probeDelay;
    this.scheduleReplay(this.probeDelay);
  }

  /** Runs a replay step in `delayMs`, or sooner if one is already due sooner. */
  private scheduleReplay(delayMs: number): void {
    if (this.closed || this.options.spool === undefined) return;
    const due = Date.now() + delayMs;
    if (this.replayTimer !== undefined) {
      if (this.replayDue <= due) return;
      clearTimeout(this.replayTimer);
    }
    this.replayDue = due;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      this.replayStep();
    }, delayMs);
    this.replayTimer.unref?.();
  }

  /** Sends the oldest spooled request, if it is replay's turn. */
  private replayStep(): void {
    const spool = this.options.spool!;
    if (this.closed || this.replaying !== undefined) return;
    // A fresh request in flight, or a full batch waiting: fresh exports first (they re-schedule replay).
    if (this.busy || (!this.down && this.queue.size >= this.options.maxBatchSize)) {
      this.scheduleReplay(this.options.delayMs);
      return;
    }
    if (this.down && Date.now() < this.probeAt) {
      this.scheduleReplay(this.probeAt - Date.now());
      return;
    }
    const entry = spool.oldest();
    if (entry === undefined) {
      this.down = false; // nothing to probe with: the next fresh batch finds out
      this.queue.delayMs = this.options.delayMs;
      return;
    }
    entry.inFlight = true;
    this.replaying = (async () => {
      const file = await spool.read(entry);
      if (file === undefined) return this.scheduleReplay(0); // torn or corrupt: counted, skipped
      const delivery = await post({ ...this.options.target, contentType: file.contentType }, file.body, Date.now() + this.options.exportTimeoutMs);
      entry.inFlight = false;
      if (delivery === "delivered") {
        await spool.delivered(entry);
        this.up();
      } else if (delivery === "refused") {
        await spool.discard(entry, "refused");
        this.scheduleReplay(0);
      } else {
        this.failed();
      }
    })()
      .catch(() => {
        entry.inFlight = false;
      })
      .finally(() => {
        this.replaying = undefined;
      });
  }

  private lost(count: number): void {
    if (count <= 0) return;
    this.droppedHere += count;
    try {
      this.options.onDropped(count);
    } catch {
      // a failing counter must not break the export
    }
  }
}
