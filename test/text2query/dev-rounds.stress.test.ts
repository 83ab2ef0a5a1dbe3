import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../examples/text2query/database.js";
import { openDemoShop, type DemoWorkflow } from "./ground-truth/demo-shop.js";
import { devMisses } from "./ground-truth/dev-misses.js";
import { ROUND_10, ROUND_11, ROUND_12 } from "./ground-truth/dev-rounds.js";
import { ROUND_2, ROUND_3, ROUND_4, ROUND_5, ROUND_6, ROUND_7, ROUND_8, ROUND_9, type DevCase } from "./ground-truth/dev.js";

/**
 * The demo's development rounds (ground-truth/dev.ts, dev-rounds.ts), each measured before it was tuned on,
 * now kept passing. Some 250 questions: under `npm run test:stress`; understanding.test.ts keeps one test per
 * behaviour in `npm test`.
 */
describe("example demo model: the development rounds (PGlite)", () => {
  let db: Database;
  let workflow: DemoWorkflow;

  beforeAll(async () => {
    ({ db, workflow } = await openDemoShop());
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  const misses = (cases: readonly DevCase[]) => devMisses(workflow, db, cases);

  it("answers the second round of development questions (measured 27/30 before tuning on them)", async () => {
    expect(await misses(ROUND_2)).toEqual([]);
  }, 60_000);

  it("answers the third round (measured 22/26 before tuning on them, two of them confidently wrong then)", async () => {
    expect(await misses(ROUND_3)).toEqual([]);
  }, 60_000);

  it("answers the fourth round (measured 22/27 before tuning on them, two of them confidently wrong then)", async () => {
    expect(await misses(ROUND_4)).toEqual([]);
  }, 60_000);

  it("answers the fifth round (measured 20/25 before tuning on them, three of them confidently wrong then)", async () => {
    expect(await misses(ROUND_5)).toEqual([]);
  }, 60_000);

  it("answers the sixth round (measured 20/23 before tuning on them)", async () => {
    expect(await misses(ROUND_6)).toEqual([]);
  }, 60_000);

  it("answers the seventh round (measured 20/25 before tuning on them, two of them confidently wrong then)", async () => {
    expect(await misses(ROUND_7)).toEqual([]);
  }, 60_000);

  it("answers the eighth round (measured 22/23 before tuning on them)", async () => {
    expect(await misses(ROUND_8)).toEqual([]);
  }, 60_000);

  it("answers the ninth round (measured 14/20 before tuning on them; two known limits asked back)", async () => {
    expect(await misses(ROUND_9)).toEqual([]);
  }, 60_000);

  it("answers the tenth round (measured 3/27 before tuning on them, nine of them answered with rows not as asked then)", async () => {
    expect(await misses(ROUND_10)).toEqual([]);
  }, 60_000);

  it("answers the eleventh round (measured 24/26 before tuning on them; two asked back)", async () => {
    expect(await misses(ROUND_11)).toEqual([]);
  }, 60_000);

  it("answers the twelfth round (written with its rules: dates by 'what date', sign-up dates, 'never bought')", async () => {
    expect(await misses(ROUND_12)).toEqual([]);
  }, 60_000);
});
