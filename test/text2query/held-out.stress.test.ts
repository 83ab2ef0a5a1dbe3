import { describe, expect, it } from "vitest";
import { scoreSet } from "./ground-truth/score-set.js";
import { UNSEEN } from "./ground-truth/unseen.js";
import { UNSEEN_2 } from "./ground-truth/unseen-2.js";

/**
 * The demo never answers confidently wrong, measured on question sets written from the schema and data alone
 * by someone who did not read the demo's code. unseen-2 was written before the demo's last round and run once,
 * after it (46 correct, 4 asked back, 0 wrong of 50); unseen was the first such set, and its misses' categories
 * (not its questions) guided that round, so it is spent as a measure. Both now guard against regressions;
 * a new, untouched set is the next honest measure. About a minute, so under `npm run test:stress`.
 */
describe("the demo model on the held-out question sets", () => {
  for (const [name, cases] of [["unseen-2", UNSEEN_2], ["unseen", UNSEEN]] as const) {
    it(`${name}: no answer is wrong, and at least 85% are answered correctly`, async () => {
      const { counts, misses } = await scoreSet(cases);
      expect(misses.filter((m) => m.startsWith("wrong") || m.startsWith("failed"))).toEqual([]);
      expect(counts.correct / cases.length).toBeGreaterThanOrEqual(0.85);
    }, 240_000);
  }
});
