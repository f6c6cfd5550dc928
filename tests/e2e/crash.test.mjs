// End-to-end: a crashed drawing model is reported and restarted with the last good model.
// The page's predictor module (pkg-predictor/twinnet.js, on the main thread) is served a
// wrapper around the real glue whose Model, once a second model has been made (the
// upload after the pretrained one), traps on the next prediction as a panicking wasm
// module does (a WebAssembly.RuntimeError). The predictor then starts a fresh instance of
// the module (the real glue, imported anew) and the page gives it the last good model.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, TIMEOUT, context, draw, expectPair, openPage, useBrowser } from "./harness.mjs";

useBrowser();

const CRASHING_GLUE = `
import * as real from "./twinnet.js?real";
export * from "./twinnet.js?real";
export default real.default;
let models = 0;
let crashed = false;
export class Model extends real.Model {
  constructor(bytes) {
    super(bytes);
    models++;
  }
  predict(drawings) {
    if (models >= 2 && !crashed) {
      crashed = true;
      throw new WebAssembly.RuntimeError("unreachable (a test's simulated panic)");
    }
    return super.predict(drawings);
  }
}
`;

test("a crashed predictor is reported and restarted with the last good model", async () => {
  let served = 0;
  await context.route(/\/pkg-predictor\/twinnet\.js(\?.*)?$/, (route) => {
    served++;
    if (served === 1) return route.fulfill({ status: 200, contentType: "text/javascript", body: CRASHING_GLUE });
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

    // The first prediction with the uploaded model crashes the module…
    await page.locator("#canvas-a").scrollIntoViewIfNeeded();
    const box = await page.locator("#canvas-a").boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector("#model-note:not([hidden])", { timeout: TIMEOUT });
    assert.match(await page.textContent("#model-note"), /crashed and was restarted with the last good model/);
    await page.waitForSelector('#model-status[data-state="ready"]', { timeout: TIMEOUT });
    assert.equal(await page.getAttribute("#model-status", "data-source"), "uploaded");
    assert.ok(served >= 3, `the glue served ${served} times (the wrapper, the real one under it, the restart's)`);

    // …and the new instance predicts with the uploaded model.
    await page.click("#clear-a");
    await draw(page, "a", 1);
    await draw(page, "b", 7);
    await expectPair(page, 1, 7);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await context.unroute(/\/pkg-predictor\/twinnet\.js(\?.*)?$/);
  }
});
