// The PGlite query sandbox's worker thread: its own in-memory copy of the shop's tables (no run store), so
// model-written SQL runs off the main thread and a runaway query is ended by terminating this thread.
// Plain JavaScript: a worker thread does not inherit the tsx loader the example runs under.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

const { schemaSql, seedSql, workMem, dataDir } = workerData;
// The first worker builds the copy and hands back its data directory; replacements load it (several times
// faster than initdb and seeding).
let db;
let built;
if (dataDir) db = await PGlite.create({ loadDataDir: new Blob([new Uint8Array(dataDir)]) });
else {
  db = await PGlite.create();
  await db.exec(schemaSql);
  await db.exec(seedSql);
  built = await (await db.dumpDataDir("none")).arrayBuffer();
}

parentPort.on("message", async ({ id, sql }) => {
  let reply;
  try {
    // Read-only and rolled back: the copy stays as seeded whatever a query tries.
    await db.exec(`BEGIN READ ONLY; SET LOCAL work_mem = '${workMem}'`);
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
parentPort.postMessage({ ready: true, dataDir: built }, built ? [built] : []);
