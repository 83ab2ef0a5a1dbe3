// The worker thread that holds the example's one PGlite database (DATA_DIR), off the main thread: the service's
// own statements run as the owner, model-written SQL as a role that can only read the shop's tables. PGlite has
// no working statement timeout (one thread, no signals), so the main thread ends a runaway query by terminating
// this thread and starting another on the same directory (pglite-host.ts).
// Plain JavaScript: a worker thread does not inherit the TypeScript loader tests run the example under. npm start
// runs the build (scripts/build-example.mjs), which puts this file beside main.mjs, where the host looks for it.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

const { dataDir, seed, setupSql, postgresqlconf, exitAfterSetup, pgliteWasmModule, fsBundle } = workerData;

// Text as PostgreSQL sends it, for the types whose JavaScript form differs between PGlite and `pg` (bigint,
// date, timestamp): result-types.ts turns them into the same JSON for both.
const AS_TEXT = { 20: (v) => v, 1082: (v) => v, 1114: (v) => v };

const db = await PGlite.create(dataDir, { postgresqlconf, pgliteWasmModule, fsBundle });
const { rows } = await db.query("SELECT to_regclass('public.orders') IS NOT NULL AS ready");
if (!rows[0].ready) {
  // First start: the sample shop, in one transaction, so a crash leaves none of it (the next start seeds).
  parentPort.postMessage({ seeding: true });
  const started = performance.now();
  await db.exec(`BEGIN; ${seed.schemaSql}; ${seed.seedSql}; COMMIT;`);
  parentPort.postMessage({ seeded: performance.now() - started });
}
await db.exec(setupSql);
// The service's own tables (run store) come first for the owner; model-written SQL sees only `public`.
await db.exec("SET search_path = t2q_service, public");
if (exitAfterSetup) {
  // initdb's memory stays with the thread that ran it: this one ends, a fresh one serves.
  await db.close();
  parentPort.postMessage({ ready: true });
} else {
  parentPort.on("message", (m) => {
    // Closing checkpoints, so the next start has no WAL to replay.
    if (m.close) void db.close().then(() => process.exit(0));
    else void serve(m).then((reply) => parentPort.postMessage(reply));
  });
  parentPort.postMessage({ ready: true });
}

/** One statement at a time: the main thread sends the next only after this one's answer. */
async function serve({ id, sql, params, reader }) {
  try {
    if (!reader) {
      // PGlite's exec runs several statements (schema, run store); query runs one with parameters.
      if (params === undefined && sql.includes(";")) {
        const last = (await db.exec(sql)).at(-1);
        return { id, rows: last?.rows ?? [], fields: last?.fields ?? [] };
      }
      const r = await db.query(sql, params);
      return { id, rows: r.rows, fields: r.fields };
    }
    // Read-only and rolled back, as the reader role, with only the shop's schema on the search path.
    await db.exec(
      `BEGIN READ ONLY; SET LOCAL work_mem = '${reader.workMem}'; SET LOCAL temp_file_limit = '64MB'; SET LOCAL search_path = public; SET LOCAL ROLE t2q_reader`,
    );
    try {
      // One statement through the extended protocol: PGlite refuses a second one.
      const r = await db.query(sql, [], { parsers: AS_TEXT });
      return { id, rows: r.rows, fields: r.fields };
    } finally {
      await db.exec("ROLLBACK");
    }
  } catch (error) {
    return { id, error: { message: error instanceof Error ? error.message : String(error), code: error?.code } };
  }
}
