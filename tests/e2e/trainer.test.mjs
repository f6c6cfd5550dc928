// End-to-end: the drawing page runs on the small predictor module alone (issue 11). It
// fetches no trainer module (pkg/, pkg-relaxed/) and starts no worker before a run is
// asked for; Train fetches the trainer, trains, and the trained model draws; when the
// trainer module cannot be fetched, drawing goes on and the training panel says why.

import { test } from "node:test";
import assert from "node:assert/strict";
import { TIMEOUT, context, draw, expectPair, openPage, useBrowser } from "./harness.mjs";

useBrowser();

const RUN_TIMEOUT = 180_000;
const TRAINER = /\/pkg(-relaxed)?\/twinnet(_bg\.wasm|\.js)$/;

/** Records the paths `page` fetches, and the workers it starts. */
function watch(page) {
  const seen = { paths: [], workers: 0 };
  page.on("request", (r) => seen.paths.push(new URL(r.url()).pathname));
  page.on("worker", () => seen.workers++);
  return seen;
}

async function smallRun(page) {
  for (const [name, value] of Object.entries({ epochs: "1", pairs: "100", batch: "32", seed: "3" })) await page.fill(`#opt-${name}`, value);
  await page.click("#train-start");
}

test("the drawing page needs no trainer; Train fetches it, trains, and the trained model draws", async () => {
  const { page, problems } = await openPage();
  const seen = watch(page);
  await draw(page, "a", 3);
  await draw(page, "b", 8);
  await expectPair(page, 3, 8);
  // Idle for a moment: nothing is prefetched behind the person's back either.
  await page.waitForTimeout(1000);
  const before = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
  assert.ok(before.some((p) => p.endsWith("/pkg-predictor/twinnet_bg.wasm")), "the predictor module was fetched");
  assert.deepEqual([...before, ...seen.paths].filter((p) => TRAINER.test(p) || p.endsWith("/worker.js")), [], "no trainer before a run");
  assert.equal(seen.workers, 0, "no worker before a run");

  await smallRun(page);
  await page.waitForSelector('#train-result[data-state="done"]', { timeout: RUN_TIMEOUT });
  assert.ok(seen.paths.some((p) => TRAINER.test(p)), `Train fetched the trainer (${seen.paths.join(", ")})`);
  assert.ok(seen.workers >= 1, "a training worker started");
  await page.waitForSelector('#model-status[data-source="trained"]', { timeout: TIMEOUT });
  assert.equal(await page.getAttribute("#verdict", "data-state"), "ready", "the pads keep their verdict with the trained model");
  // The next pages of this context draw with the pretrained model again.
  await page.click("#weights-reset");
  await page.waitForSelector('#model-status[data-source="pretrained"]', { timeout: TIMEOUT });
  assert.deepEqual(problems, []);
  await page.close();
});

test("when the trainer module cannot be fetched, drawing goes on and the training panel says why", async () => {
  await context.route(TRAINER, (route) => route.fulfill({ status: 503, contentType: "text/plain", body: "unavailable" }));
  try {
    const { page, problems } = await openPage();
    await smallRun(page);
    await page.waitForSelector('#train-result[data-state="error"]', { timeout: RUN_TIMEOUT });
    const message = await page.textContent("#train-result");
    assert.match(message, /WebAssembly module|worker/i, message);
    // Drawing is untouched.
    await draw(page, "a", 1);
    await draw(page, "b", 7);
    await expectPair(page, 1, 7);
    // The only problems are the refused fetches themselves (and what the browser logs of them).
    const unexpected = problems.filter((p) => !/503|pkg\/|pkg-relaxed\/|worker/i.test(p));
    assert.deepEqual(unexpected, []);
    await page.close();
  } finally {
    await context.unroute(TRAINER);
  }
});
