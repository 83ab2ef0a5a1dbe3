import { constants } from "node:fs";
import { access, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeSpoolFile, encodeSpoolFile, parseSpoolFileName, spoolFileName } from "./spool-file.js";

/** Why spooled items were lost: pushed out past `maxBytes`, found torn or corrupt, not writable, or refused by the backend on replay. */
export type SpoolDropReason = "cap" | "corrupt" | "unwritable" | "refused";

export interface SpoolHooks {
  /** Items written to disk. */
  spooled(backend: string, items: number): void;
  /** Items delivered from disk. */
  replayed(backend: string, items: number): void;
  /** Items lost from (or on their way to) the disk. */
  dropped(backend: string, items: number, reason: SpoolDropReason): void;
  /** Bytes this backend's files take on disk now. */
  bytes(backend: string, bytes: number): void;
}

/** What one backend's part of the spool has done, in items (spans, log records, scores) unless named bytes. */
export interface SpoolStats {
  /** Written to disk. */
  spooled: number;
  /** Delivered from disk. */
  replayed: number;
  /** Lost from disk: pushed out past `maxBytes` (oldest first), in torn or corrupt files, not writable, refused on replay. */
  dropped: number;
  /** Torn or corrupt files found and skipped. */
  corruptFiles: number;
  /** Files on disk now. */
  files: number;
  /** Bytes on disk now. */
  bytes: number;
}

export interface SpoolEntry {
  readonly name: string;
  readonly items: number;
  readonly bytes: number;
  /** Being replayed: not pushed out for room meanwhile. */
  inFlight: boolean;
}

/**
 * A directory of encoded requests that could not be delivered, one subdirectory per backend, bounded by bytes
 * across all of them: a write that would pass `maxBytes` first removes the oldest files (of any backend),
 * counted. All I/O is asynchronous and runs on the export side only; writes are serialised, so the bytes on
 * disk (counting files being written) never pass the cap.
 */
export class Spool {
  private readonly queues = new Map<string, SpoolQueue>();
  private total = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private seq = 0;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /**
   * Opens (creating it if needed) the spool in `dir` and reads what an earlier process left: leftover `.tmp`
   * files (a kill mid-write) and files whose size does not match their name (truncated) are removed and counted
   * as corrupt; the rest waits for replay, oldest first. Throws only if the directory cannot be created.
   */
  static async open(dir: string, maxBytes: number, backends: readonly string[], hooks: SpoolHooks): Promise<Spool> {
    const spool = new Spool(dir, maxBytes);
    for (const backend of backends) {
      const queue = new SpoolQueue(spool, backend, join(dir, backend), hooks);
      spool.queues.set(backend, queue);
      await mkdir(queue.dir, { recursive: true });
      await access(queue.dir, constants.W_OK);
      await queue.scan();
      spool.total += queue.stats.bytes;
    }
    // A smaller cap than last time: the oldest go now.
    await spool.makeRoom(0);
    return spool;
  }

  queue(backend: string): SpoolQueue {
    const queue = this.queues.get(backend);
    if (queue === undefined) throw new Error(`no spool queue ${backend}`);
    return queue;
  }

  get bytes(): number {
    return this.total;
  }

  /** @internal Writes one file for `queue`, after making room; resolves false if it was not written (counted). */
  write(queue: SpoolQueue, contentType: string, body: Uint8Array, items: number): Promise<boolean> {
    const run = this.writing.then(async () => {
      const file = encodeSpoolFile(contentType, body);
      if (file.length > this.maxBytes || !(await this.makeRoom(file.length))) {
        queue.lost(items, "cap");
        return false;
      }
      const name = spoolFileName(Date.now(), this.seq++, items, file.length);
      const path = join(queue.dir, name);
      this.total += file.length;
      try {
        await writeFile(`${path}.tmp`, file);
        await rename(`${path}.tmp`, path);
      } catch {
        this.total -= file.length;
        await unlink(`${path}.tmp`).catch(() => undefined);
        queue.lost(items, "unwritable");
        return false;
      }
      queue.added({ name, items, bytes: file.length, inFlight: false });
      return true;
    });
    this.writing = run.catch(() => undefined);
    return run.catch(() => false);
  }

  /** @internal Bytes freed by a removed file. */
  freed(bytes: number): void {
    this.total -= bytes;
  }

  /** Removes the oldest files not being replayed until `bytes` more fit under the cap; false if they cannot. */
  private async makeRoom(bytes: number): Promise<boolean> {
    while (this.total + bytes > this.maxBytes) {
      let oldest: { queue: SpoolQueue; entry: SpoolEntry } | undefined;
      for (const queue of this.queues.values()) {
        const entry = queue.oldest();
        if (entry !== undefined && (oldest === undefined || entry.name < oldest.entry.name)) oldest = { queue, entry };
      }
      if (oldest === undefined) return false;
      await oldest.queue.discard(oldest.entry, "cap");
    }
    return true;
  }
}

/** One backend's spooled requests, oldest first. */
export class SpoolQueue {
  private entries: SpoolEntry[] = [];
  readonly stats: SpoolStats = { spooled: 0, replayed: 0, dropped: 0, corruptFiles: 0, files: 0, bytes: 0 };

  constructor(
    private readonly spool: Spool,
    readonly backend: string,
    readonly dir: string,
    private readonly hooks: SpoolHooks,
  ) {}

  /** Encodes and writes one request; false if it could not be kept (counted as dropped). */
  write(contentType: string, body: Uint8Array, items: number): Promise<boolean> {
    return this.spool.write(this, contentType, body, items);
  }

  /** The oldest request waiting for replay (not already being replayed). */
  oldest(): SpoolEntry | undefined {
    return this.entries.find((e) => !e.inFlight);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The request in `entry`; a torn or corrupt file is removed and counted, and gives undefined. */
  async read(entry: SpoolEntry): Promise<{ contentType: string; body: Buffer } | undefined> {
    let file: Buffer;
    try {
      file = await readFile(join(this.dir, entry.name));
    } catch {
      await this.corrupt(entry);
      return undefined;
    }
    const decoded = file.length === entry.bytes ? decodeSpoolFile(file) : undefined;
    if (decoded === undefined) await this.corrupt(entry);
    return decoded;
  }

  /** `entry` reached its backend: its file goes. */
  async delivered(entry: SpoolEntry): Promise<void> {
    if (!this.take(entry)) return;
    this.stats.replayed += entry.items;
    this.hook("replayed", entry.items);
    await this.removeFile(entry);
  }

  /** `entry` is given up (`reason`): its file goes, its items are counted as dropped. */
  async discard(entry: SpoolEntry, reason: SpoolDropReason): Promise<void> {
    if (!this.take(entry)) return;
    this.lost(entry.items, reason);
    await this.removeFile(entry);
  }

  /** @internal A file was written. */
  added(entry: SpoolEntry): void {
    this.entries.push(entry); // names grow with time: the list stays oldest first
    this.stats.spooled += entry.items;
    this.stats.files++;
    this.stats.bytes += entry.bytes;
    this.hook("spooled", entry.items);
    this.hook("bytes", this.stats.bytes);
  }

  /** @internal Items that did not make it to disk, or left it unsent. */
  lost(items: number, reason: SpoolDropReason): void {
    this.stats.dropped += items;
    this.hook("dropped", items, reason);
  }

  /** @internal Reads what an earlier process left in this backend's directory. */
  async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const found: SpoolEntry[] = [];
    for (const name of names) {
      const parsed = parseSpoolFileName(name);
      if (parsed === undefined) continue; // not ours: left alone
      const path = join(this.dir, name);
      let size: number | undefined;
      try {
        size = (await stat(path)).size;
      } catch {
        size = undefined;
      }
      if (name.endsWith(".tmp") || size !== parsed.bytes) {
        // Torn (killed mid-write) or truncated: skipped and counted, never a crash.
        this.stats.corruptFiles++;
        this.lost(parsed.items, "corrupt");
        await unlink(path).catch(() => undefined);
        continue;
      }
      found.push({ name, items: parsed.items, bytes: parsed.bytes, inFlight: false });
    }
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.entries = found;
    this.stats.files = found.length;
    this.stats.bytes = found.reduce((sum, e) => sum + e.bytes, 0);
    this.hook("bytes", this.stats.bytes);
  }

  private async corrupt(entry: SpoolEntry): Promise<void> {
    if (!this.take(entry)) return;
    this.stats.corruptFiles++;
    this.lost(entry.items, "corrupt");
    await this.removeFile(entry);
  }

  /** Takes `entry` out of the list (nobody else picks it); false if it was already gone. */
  private take(entry: SpoolEntry): boolean {
    const i = this.entries.indexOf(entry);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }

  /** Removes a taken entry's file; its bytes count until the file is gone, so the disk never holds more than the cap. */
  private async removeFile(entry: SpoolEntry): Promise<void> {
    await unlink(join(this.dir, entry.name)).catch(() => undefined);
    this.stats.files--;
    this.stats.bytes -= entry.bytes;
    this.spool.freed(entry.bytes);
    this.hook("bytes", this.stats.bytes);
  }

  private hook(event: "spooled" | "replayed" | "bytes", n: number): void;
  private hook(event: "dropped", n: number, reason: SpoolDropReason): void;
  private hook(event: "spooled" | "replayed" | "bytes" | "dropped", n: number, reason?: SpoolDropReason): void {
    try {
      if (event === "dropped") this.hooks.dropped(this.backend, n, reason!);
      else this.hooks[event](this.backend, n);
    } catch {
      // a failing counter must not break the spool
    }
  }
}
