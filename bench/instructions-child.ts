/** One mode, `warmup` then `runs` workflow runs, nothing else (bench/instructions.ts counts its instructions). */
import { setImmediate as turn } from "node:timers/promises";
import { checkResult } from "./graph.js";
import { isMode } from "./mode-names.js";
import { setupMode } from "./modes.js";

const [name = "", warmup = "150", runs = "100"] = process.argv.slice(2);
if (!isMode(name)) throw new Error(`unknown mode ${JSON.stringify(name)}`);
const mode = await setupMode(name);
checkResult(await mode.run());
for (let i = 0; i < Number(warmup) + Number(runs); i++) {
  await mode.run();
  await turn();
  if ((i + 1) % 100 === 0) mode.exporter.reset();
}
await mode.shutdown();
