// The PGlite query sandbox's worker thread: its own in-memory copy of the shop's tables (no run store), so
// model-written SQL runs off the main thread and a runaway query is ended by terminating this thread.
// Plain JavaScript: a worker thread does not inherit the tsx loader the example runs under.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

const { schemaSql, seedSql, workMem, dataDir } = workerData;

if (dataDir === undefined) {
  // Build mode: initdb and seed once, hand back the data directory (a tarball) and end. Query workers load it:
  // several times faster than initdb and seeding, and a fraction of the memory initdb leaves behind.
  const builder = await PGlite.create();
  await builder.exec(schemaSql);
  await builder.exec(seedSql);
  const built = await (await builder.dumpDataDir("none")).arrayBuffer();
  await builder.close();
  parentPort.postMessage({ built }, [built]);
} else {
  serve(await PGlite.create({ loadDataDir: new Blob([new Uint8Array(dataDir)]) }));
}

function serve(db) {
  parentPort.on("message", async ({ id, sql }) => {
    let reply;
    try {
      // Read-only and rolled back: the copy stays as seeded whatever a query tries.
      await db.exec(`BEGIN READ ONLY; SET LOCAL work_mem = '${workMem}'; SET LOCAL temp_file_limit = '64MB'`);
      try {
        // One statement through the extended protocol: PGlite refuses a second one.
        const result = await db.query(sql, []);
        reply = { id, rows: result.rows, columns: result.fields.map((f) => f.name) };
      } finally {
        await db.exec("ROLLBACK");
      }
    } catch (error) {
      reply = { id, error: { message: error instanceof Error ? error.message : String(error), code: error?.code } };
    }
    parentPort.postMessage(reply);
  });
  parentPort.postMessage({ ready: true });
}
