// Not part of `npm test`: trains the published run (share+aux, 25 epochs, 1000 pairs) and a
// small ablation in the page, then saves docs/screenshot-training.png and prints the figures.
//   node --test screenshot.mjs        (in tests/e2e; www/ built)
//   TWINNET_SHOT_ROUNDS / _EPOCHS / _PAIRS   the ablation's size (default 2, 10, 500)
//   TWINNET_SHOT_OUT=file.png                where the screenshot goes (default docs/screenshot-training.png)

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, draw, openPage, useBrowser } from "./harness.mjs";

useBrowser();

const env = (name, fallback) => process.env[`TWINNET_SHOT_${name}`] ?? fallback;

test("published run and an ablation, then a screenshot", { timeout: 4_000_000 }, async () => {
  const { page, problems } = await openPage();
  const started = Date.now();
  await page.click("#train-start");
  await page.waitForSelector('#train-result:is([data-state="done"], [data-state="error"])', { timeout: 900_000 });
  const train = await page.locator("#train-result").evaluate((el) => ({ ...el.dataset, text: el.textContent }));
  console.log("published run:", JSON.stringify(train), `wall ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(train.state, "done");

  await draw(page, "a", 3);
  await draw(page, "b", 8);

  await page.click("#ablation details.advanced summary");
  await page.fill("#ablate-rounds", env("ROUNDS", "2"));
  await page.fill("#ablate-epochs", env("EPOCHS", "10"));
  await page.fill("#ablate-pairs", env("PAIRS", "500"));
  const ablationStart = Date.now();
  await page.click("#ablate-start");
  await page.waitForSelector('#ablate-table:is([data-state="done"], [data-state="error"])', { timeout: 3_600_000 });
  const rows = await page.locator("#ablate-table tr[data-config]").evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent).join(" | ")));
  console.log(`ablation (${((Date.now() - ablationStart) / 1000).toFixed(1)} s):\n${rows.join("\n")}`);
  await page.screenshot({ path: env("OUT", join(ROOT, "docs/screenshot-training.png")), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
