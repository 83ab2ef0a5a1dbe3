import { createServer, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BatchQueue } from "../../src/export/batch-queue.js";
import { ExportLane } from "../../src/export/export-lane.js";
import { Spool } from "../../src/export/spool.js";
import { until } from "../support/wait.js";

/** A loopback backend that holds every request until the test answers it: the order of requests is the test's to see. */
async function heldBackend() {
  const held: Array<{ body: string; res: ServerResponse }> = [];
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push(body);
      held.push({ body, res });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    /** Waits for the next request and answers it 200; resolves with its body. */
    async answerNext(): Promise<string> {
      const next = await until("a request", () => held.shift());
      next.res.writeHead(200).end();
      return next.body;
    },
    close: () => new Promise<void>((resolve) => server.closeAllConnections() ?? server.close(() => resolve())),
  };
}

const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("ExportLane: replay and fresh exports share one request in flight", () => {
  it("makes a fresh batch wait for at most one replay request, and gives replay no turn while a full batch waits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lane-"));
    dirs.push(dir);
    const noHooks = { spooled: () => undefined, replayed: () => undefined, dropped: () => undefined, bytes: () => undefined };
    const spool = await Spool.open(dir, 1 << 20, ["otlp_traces"], noHooks);
    for (const r of ["R1", "R2", "R3"]) await spool.queue("otlp_traces").write("text/plain", Buffer.from(r), 1);
    const backend = await heldBackend();
    const lane = new ExportLane<string>({
      target: { url: backend.url, headers: {}, contentType: "text/plain", gzip: false },
      encode: (items) => Buffer.from(items.join(",")),
      maxQueueSize: 100,
      maxBatchSize: 2,
      delayMs: 60_000, // partial batches wait: only full ones go
      exportTimeoutMs: 10_000,
      spool: spool.queue("otlp_traces"),
      onDropped: () => undefined,
    });
    cleanups.push(() => lane.abandon(), () => backend.close());

    // What the last process left starts at once.
    await until("the first replay", () => (backend.seen.length === 1 ? true : undefined));
    expect(backend.seen).toEqual(["R1"]);
    lane.push("a");
    lane.push("b"); // a full batch: it waits for R1, and goes before R2
    expect(await backend.answerNext()).toBe("R1");
    await until("the fresh batch", () => (backend.seen.length === 2 ? true : undefined));
    lane.push("c");
    lane.push("d"); // another full batch while a,b is in flight: it goes next, replay waits
    expect(await backend.answerNext()).toBe("a,b");
    await until("the next request", () => (backend.seen.length === 3 ? true : undefined));
    expect(backend.seen[2]).toBe("c,d");
    expect(await backend.answerNext()).toBe("c,d");
    // Nothing fresh waiting: replay has the lane to itself, oldest first.
    expect(await backend.answerNext()).toBe("R2");
    expect(await backend.answerNext()).toBe("R3");
    await until("the replay counted", () => (lane.stats().spool!.files === 0 ? true : undefined));
    expect(lane.stats()).toMatchObject({ sent: 4, dropped: 0, queued: 0, spool: { replayed: 3, files: 0 } });
  });
});

describe("ExportLane: what the backend's answer means", () => {
  it.each([
    [404, "refused: dropped and counted, not spooled (a wrong URL, or a backend without this signal)", { sent: 0, dropped: 3, spooled: 0 }],
    [401, "refused: dropped and counted, not spooled (a wrong key)", { sent: 0, dropped: 3, spooled: 0 }],
    [408, "temporary: spooled", { sent: 0, dropped: 0, spooled: 3 }],
    [500, "temporary: spooled", { sent: 0, dropped: 0, spooled: 3 }],
  ] as const)("%i is %s", async (status, _meaning, expected) => {
    const server = createServer((req, res) => req.resume().on("end", () => res.writeHead(status).end()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const dir = mkdtempSync(join(tmpdir(), "lane-"));
    dirs.push(dir);
    const noHooks = { spooled: () => undefined, replayed: () => undefined, dropped: () => undefined, bytes: () => undefined };
    const spool = await Spool.open(dir, 1 << 20, ["otlp_logs"], noHooks);
    const lane = new ExportLane<string>({
      target: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`, headers: {}, contentType: "text/plain", gzip: false },
      encode: (items) => Buffer.from(items.join(",")),
      maxQueueSize: 100,
      maxBatchSize: 3,
      delayMs: 10,
      exportTimeoutMs: 5000,
      spool: spool.queue("otlp_logs"),
      onDropped: () => undefined,
    });
    cleanups.push(() => lane.abandon(), () => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const line of ["a", "b", "c"]) lane.push(line);
    await lane.flush(Date.now() + 5000);
    const stats = lane.stats();
    expect({ sent: stats.sent, dropped: stats.dropped, spooled: stats.spool!.spooled }).toEqual(expected);
  });
});

describe("BatchQueue, for the spool", () => {
  it("hands a full queue to onOverflow (oldest first) and keeps taking items; without a taker the new item is dropped and counted", async () => {
    const handed: number[][] = [];
    let take = true;
    const reported = { dropped: 0 };
    const q = new BatchQueue<number>({
      send: () => new Promise<boolean>(() => undefined), // a backend that never answers
      maxQueueSize: 3,
      maxBatchSize: 10,
      delayMs: 60_000,
      onDropped: (n) => (reported.dropped += n),
      onOverflow: (items) => {
        if (take) handed.push([...items]);
        return take;
      },
    });
    for (let i = 1; i <= 7; i++) q.push(i);
    expect(handed).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(q.size).toBe(1);
    take = false;
    q.push(8);
    q.push(9);
    q.push(10);
    expect(q.size).toBe(3);
    expect(reported.dropped).toBe(1);
    q.abandon();
  });

  it("drain() hands over the batch in flight and everything queued, counting none of it as dropped", async () => {
    let settle: (ok: boolean) => void = () => undefined;
    const reported = { dropped: 0 };
    const q = new BatchQueue<number>({ send: () => new Promise<boolean>((r) => (settle = r)), maxQueueSize: 100, maxBatchSize: 2, delayMs: 5, onDropped: (n) => (reported.dropped += n) });
    for (let i = 1; i <= 5; i++) q.push(i); // 1,2 in flight at once (a full batch); 3,4,5 queued
    expect(q.drain()).toEqual([1, 2, 3, 4, 5]);
    settle(true); // the request in flight succeeds after all: not the queue's to count any more
    await new Promise((r) => setTimeout(r, 20));
    expect(q).toMatchObject({ sent: 0, dropped: 0, size: 0 });
    q.push(6); // closed
    expect(reported.dropped).toBe(1);
  });
});
