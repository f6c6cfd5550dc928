// End-to-end: a crashed drawing worker is reported and restarted with the last good model.
// The page's first worker (the predictor) is served a wrapper around the real worker.js
// that, once the page has loaded a model from bytes (an upload), answers the next
// prediction as a crashed wasm module does ({error, fatal: true}); ModelClient then
// replaces the worker, and the replacement is the real one.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, TIMEOUT, context, draw, expectPair, openPage, useBrowser } from "./harness.mjs";

useBrowser();

const CRASHING_WORKER = `
import "./worker.js?real";
let loadedBytes = false;
let crashed = false;
const real = self.onmessage;
self.onmessage = (event) => {
  const { type, id, bytes } = event.data ?? {};
  if (type === "load" && bytes) loadedBytes = true;
  if (type === "predict" && loadedBytes && !crashed) {
    crashed = true;
    self.postMessage({ id, error: "the model crashed (a test's simulated panic); it will be restarted", fatal: true });
    return;
  }
  return real(event);
};
`;

test("a crashed predictor is reported and restarted with the last good model", async () => {
  let served = 0;
  await context.route(/\/worker\.js$/, (route) => {
    served++;
    if (served === 1) return route.fulfill({ status: 200, contentType: "text/javascript", body: CRASHING_WORKER });
    return route.continue();
  });
  try {
    const { page, problems } = await openPage();
    await page.setInputFiles("#weights-upload", {
      name: "pytorch.safetensors",
      mimeType: "application/octet-stream",
      buffer: await readFile(join(ROOT, "tests/fixtures/pytorch/twinnet_share_aux.safetensors")),
    });
    await page.waitForSelector('#weights-message[data-state="ok"]', { timeout: TIMEOUT });

    // The first prediction with the uploaded model crashes the worker…
    await page.locator("#canvas-a").scrollIntoViewIfNeeded();
    const box = await page.locator("#canvas-a").boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector("#model-note:not([hidden])", { timeout: TIMEOUT });
    assert.match(await page.textContent("#model-note"), /crashed and was restarted with the last good model/);
    await page.waitForSelector('#model-status[data-state="ready"]', { timeout: TIMEOUT });
    assert.equal(await page.getAttribute("#model-status", "data-source"), "uploaded");
    assert.ok(served >= 3, `worker.js served ${served} times (predictor, trainer, the predictor's replacement)`);

    // …and the replacement predicts with the uploaded model.
    await page.click("#clear-a");
    await draw(page, "a", 1);
    await draw(page, "b", 7);
    await expectPair(page, 1, 7);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await context.unroute(/\/worker\.js$/);
  }
});
