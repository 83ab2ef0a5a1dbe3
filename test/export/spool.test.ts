import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { setupTelemetry, type TelemetryOptions } from "../../src/index.js";
import { Spool, type SpoolDropReason, type SpoolHooks } from "../../src/export/spool.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "spool-"));
  dirs.push(d);
  return d;
}

/** Hooks that record what the spool reports, as the telemetry metrics would see it. */
function recorder() {
  const seen = { spooled: 0, replayed: 0, dropped: {} as Partial<Record<SpoolDropReason, number>>, bytes: new Map<string, number>() };
  const hooks: SpoolHooks = {
    spooled: (_b, n) => (seen.spooled += n),
    replayed: (_b, n) => (seen.replayed += n),
    dropped: (_b, n, reason) => (seen.dropped[reason] = (seen.dropped[reason] ?? 0) + n),
    bytes: (b, n) => seen.bytes.set(b, n),
  };
  return { seen, hooks };
}

/**
 * Bytes of every file under `dir` (finished and `.tmp`), as `du` would count them. A write in flight may rename
 * or remove a file between the listing and its stat: then the directory is listed again.
 */
function bytesOnDisk(dir: string): number {
  for (;;) {
    try {
      let total = 0;
      for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
      return total;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

const body = (text: string, size = 0) => Buffer.from(text.padEnd(size, "."));

describe("the export spool on disk", () => {
  it("gives back after a restart what it was given, oldest first, each request with its content type, and forgets it once delivered", async () => {
    const dir = tempDir();
    const first = await Spool.open(dir, 1 << 20, ["otlp_traces"], recorder().hooks);
    const q = first.queue("otlp_traces");
    expect(await q.write("application/x-protobuf", body("first"), 3)).toBe(true);
    expect(await q.write("application/json", body("second"), 5)).toBe(true);
    expect(await q.write("application/x-protobuf", body("third"), 7)).toBe(true);
    expect(q.stats).toMatchObject({ spooled: 15, files: 3, dropped: 0 });

    // A new process on the same directory.
    const { seen, hooks } = recorder();
    const again = (await Spool.open(dir, 1 << 20, ["otlp_traces"], hooks)).queue("otlp_traces");
    expect(again.stats).toMatchObject({ files: 3, bytes: q.stats.bytes, corruptFiles: 0 });
    const got: Array<[string, string, number]> = [];
    for (let entry = again.oldest(); entry !== undefined; entry = again.oldest()) {
      const file = (await again.read(entry))!;
      got.push([file.contentType, file.body.toString(), entry.items]);
      await again.delivered(entry);
    }
    expect(got).toEqual([
      ["application/x-protobuf", "first", 3],
      ["application/json", "second", 5],
      ["application/x-protobuf", "third", 7],
    ]);
    expect(again.stats).toMatchObject({ replayed: 15, files: 0, bytes: 0 });
    expect(seen.replayed).toBe(15);
    expect(seen.bytes.get("otlp_traces")).toBe(0);
    expect(readdirSync(join(dir, "otlp_traces"))).toEqual([]);
  });

  it("stays under maxBytes across backends: the oldest requests go first, counted by item, and the disk never holds more", async () => {
    const dir = tempDir();
    const maxBytes = 64 * 1024;
    const { seen, hooks } = recorder();
    const spool = await Spool.open(dir, maxBytes, ["langfuse", "otlp_traces"], hooks);
    const writes: Array<Promise<boolean>> = [];
    let peak = 0;
    for (let i = 0; i < 40; i++) {
      // Writes are issued back to back (as the lanes do) and checked while they land.
      writes.push(spool.queue(i % 2 === 0 ? "langfuse" : "otlp_traces").write("application/json", body(`request ${i}`, 10_000), 10));
      await new Promise((r) => setImmediate(r));
      peak = Math.max(peak, bytesOnDisk(dir));
    }
    expect(await Promise.all(writes)).toEqual(Array(40).fill(true));
    peak = Math.max(peak, bytesOnDisk(dir));
    expect(peak).toBeLessThanOrEqual(maxBytes);
    const kept = spool.queue("langfuse").stats.files + spool.queue("otlp_traces").stats.files;
    expect(kept).toBe(6); // 6 files of 10,000 bytes and a header fit in 64 KiB
    expect(seen.dropped).toEqual({ cap: (40 - kept) * 10 });
    expect(spool.bytes).toBe(bytesOnDisk(dir));
    // The newest stay.
    const left = [];
    for (const name of ["langfuse", "otlp_traces"]) {
      const q = spool.queue(name);
      for (let e = q.oldest(); e !== undefined; e = q.oldest()) {
        left.push(Number(/request (\d+)/.exec((await q.read(e))!.body.toString())![1]));
        await q.delivered(e);
      }
    }
    expect(left.sort((a, b) => a - b)).toEqual([34, 35, 36, 37, 38, 39]);
    // A request larger than the whole spool is not kept, and counted.
    expect(await spool.queue("langfuse").write("application/json", body("huge", maxBytes), 4)).toBe(false);
    expect(seen.dropped.cap).toBe((40 - kept) * 10 + 4);
  });

  it("skips a truncated file, a file torn by a kill mid-write and a corrupt one, counted, without a crash; leaves files not its own alone", async () => {
    const dir = tempDir();
    const spool = await Spool.open(dir, 1 << 20, ["otlp_traces"], recorder().hooks);
    const q = spool.queue("otlp_traces");
    for (const [text, items] of [["intact", 2], ["truncated", 3], ["corrupt", 5]] as const) await q.write("application/x-protobuf", body(text, 200), items);
    const sub = join(dir, "otlp_traces");
    const [intact, truncated, corrupt] = readdirSync(sub).sort();
    truncateSync(join(sub, truncated!), 100); // a power loss after the rename
    const bytes = readFileSync(join(sub, corrupt!));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1); // same size, other content: only the checksum tells
    writeFileSync(join(sub, corrupt!), bytes);
    copyFileSync(join(sub, intact!), join(sub, intact!.replace(/-\d+-(\d+)\.req$/, "-11-$1.req.tmp"))); // killed before the rename
    writeFileSync(join(sub, "README"), "not a spool file");

    const { seen, hooks } = recorder();
    const again = (await Spool.open(dir, 1 << 20, ["otlp_traces"], hooks)).queue("otlp_traces");
    // At start: the truncated file (3 items) and the torn one (11) are counted and removed.
    expect(again.stats).toMatchObject({ corruptFiles: 2, dropped: 14, files: 2 });
    const delivered: string[] = [];
    for (let e = again.oldest(); e !== undefined; e = again.oldest()) {
      const file = await again.read(e);
      if (file !== undefined) {
        delivered.push(file.body.toString().replace(/\.+$/, ""));
        await again.delivered(e);
      }
    }
    // At replay: the corrupt one (5 items) is found by its checksum, counted, removed.
    expect(delivered).toEqual(["intact"]);
    expect(again.stats).toMatchObject({ corruptFiles: 3, dropped: 19, replayed: 2, files: 0, bytes: 0 });
    expect(seen.dropped).toEqual({ corrupt: 19 });
    expect(readdirSync(sub)).toEqual(["README"]);
  });

  it.each([
    [{ spool: { maxBytes: 1 << 20 } }, "setupTelemetry: invalid option spool.dir: null. Expected the path of a directory for the spool (created if missing)."],
    [{ spool: { dir: "/tmp/x", maxBytes: 4096 } }, "setupTelemetry: invalid option spool.maxBytes: 4096. Expected at least 65536 bytes (64 KiB): a spooled request is often tens of KiB."],
    [{ spool: { dir: "/tmp/x", maxBytes: 1.5 } }, "setupTelemetry: invalid option spool.maxBytes: 1.5. Expected a positive integer."],
    [{ spool: "/tmp/x" }, 'setupTelemetry: invalid option spool: "/tmp/x". Expected an object { dir, maxBytes }, or false.'],
  ])("rejects %j with a message that says what to fix", async (options, message) => {
    await expect(setupTelemetry({ register: false, env: {}, log: () => undefined, ...(options as TelemetryOptions) })).rejects.toThrow(message);
  });

  it("rejects a spool directory it cannot create, naming the option and the reason", async () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "");
    // (With nothing to export the directory is not touched: an exporter is configured.)
    await expect(setupTelemetry({ register: false, env: {}, log: () => undefined, otlp: { url: "http://127.0.0.1:9/v1/traces" }, spool: { dir: join(file, "spool") } })).rejects.toThrow(
      `setupTelemetry: invalid option spool.dir: ${JSON.stringify(join(file, "spool"))}. Expected a directory this process can create and write (ENOTDIR).`,
    );
  });
});
