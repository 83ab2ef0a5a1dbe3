import { describe, expect, it } from "vitest";

/**
 * The PGlite database's query sandbox under a burst of slow queries: a query past its timeout ends with its
 * worker thread and a replacement opens the same directory. It opens and seeds a database of its own, so it
 * runs under `npm run test:stress`; hostile-sql.stress.test.ts keeps the single-query bounds.
 */
describe("the PGlite database's query sandbox under a burst of slow queries", () => {
  it("bounds the queue: queries past it fail at once with a clear error, and every query ends within its timeout", async () => {
    const { SCHEMA_SQL, SEED_SQL } = await import("../../examples/text2query/sample-data.js");
    const { PgliteHost } = await import("../../examples/text2query/pglite-host.js");
    const host = new PgliteHost({ schemaSql: SCHEMA_SQL, seedSql: SEED_SQL, maxWaiting: 4 });
    await host.open();
    const sandbox = host.sandbox;
    try {
      const started = performance.now();
      const settled = await Promise.all(
        Array.from({ length: 8 }, () =>
          sandbox.query("SELECT pg_sleep(20)", 800).then(
            () => ({ ok: true, at: performance.now() - started, message: "" }),
            (e: Error) => ({ ok: false, at: performance.now() - started, message: e.message }),
          ),
        ),
      );
      const full = settled.filter((s) => /too many queries at once \(1 running, 4 waiting\)/.test(s.message));
      expect(full).toHaveLength(3);
      for (const s of full) expect(s.at).toBeLessThan(100);
      const timedOut = settled.filter((s) => /statement timeout|free query slot/.test(s.message));
      expect(timedOut).toHaveLength(5);
      // At most one timeout waiting for the worker, one worker start after a kill, one timeout running.
      const last = Math.max(...settled.map((s) => s.at));
      expect(last).toBeLessThan(2 * 800 + host.lastStartMs + 100);
      expect(host.kills).toBeGreaterThanOrEqual(1);
      expect((await sandbox.query("SELECT count(*)::int AS n FROM orders", 5000)).rows).toEqual([{ n: 6000 }]);
      // The service's own statements wait their turn and go on on the replacement: none is lost to a kill.
      expect((await host.query("SELECT count(*)::int AS n FROM customers")).rows).toEqual([{ n: 600 }]);
      console.log(`burst of 8 over in ${Math.round(last)} ms; a worker opens the directory in ${Math.round(host.lastStartMs)} ms`);
    } finally {
      await host.close();
    }
  }, 120_000);
});
