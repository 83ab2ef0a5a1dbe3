import { describe, expect, it } from "vitest";
import { BatchQueue } from "../../src/export/batch-queue.js";

/** A queue over a send function the test controls; every drop reported through onDropped is summed. */
function queue(send: (batch: number[]) => Promise<boolean>) {
  const reported = { dropped: 0 };
  const q = new BatchQueue<number>({ send, maxQueueSize: 10_000, maxBatchSize: 512, delayMs: 5, onDropped: (n) => (reported.dropped += n) });
  return { q, reported };
}

describe("BatchQueue", () => {
  it("counts a batch still in flight at the close deadline as dropped, once, even if its request settles later", async () => {
    let settle: (ok: boolean) => void = () => undefined;
    const { q, reported } = queue(() => new Promise<boolean>((resolve) => (settle = resolve)));
    for (let i = 0; i < 1200; i++) q.push(i);
    await q.close(Date.now() + 100);
    // 512 were in flight, 688 still queued: all lost, all counted.
    expect(q.dropped).toBe(1200);
    expect(reported.dropped).toBe(1200);
    expect(q.size).toBe(0);
    settle(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(q.sent).toBe(0);
    expect(q.dropped).toBe(1200);
    // Closed: later items are dropped and counted too.
    q.push(1);
    expect(reported.dropped).toBe(1201);
  });

  it("sends everything when the backend answers before the deadline", async () => {
    const batches: number[] = [];
    const { q, reported } = queue(async (batch) => {
      batches.push(batch.length);
      return true;
    });
    for (let i = 0; i < 1200; i++) q.push(i);
    await q.close(Date.now() + 5_000);
    expect(q.sent).toBe(1200);
    expect(reported.dropped).toBe(0);
    expect(batches).toEqual([512, 512, 176]);
  });
});
