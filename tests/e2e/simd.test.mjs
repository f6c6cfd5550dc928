// End-to-end: a browser without WebAssembly relaxed SIMD gets the SIMD128 build of the
// trainer (www/wasm-module.js) and the page works the same. Chromium has relaxed SIMD, so
// the test serves a wasm-module.js whose probe says it has not. (The drawing page runs on
// the predictor module, which has one build.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { context, draw, expectPair, openPage, useBrowser } from "./harness.mjs";

useBrowser();

test("without relaxed SIMD the page predicts, and trains on the SIMD128 build of the trainer", async () => {
  const wasmFetched = [];
  await context.route(/\/wasm-module\.js$/, async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace(
      "export const relaxedSimd = WebAssembly.validate(RELAXED_PROBE);",
      "export const relaxedSimd = false;",
    );
    assert.ok(body.includes("relaxedSimd = false"), "the probe line to replace is in wasm-module.js");
    await route.fulfill({ response, body });
  });
  context.on("request", (r) => {
    if (r.url().endsWith(".wasm")) wasmFetched.push(new URL(r.url()).pathname);
  });
  try {
    const { page, problems } = await openPage();
    assert.equal(await page.getAttribute("#model-status", "data-wasm"), "simd128");
    await draw(page, "a", 3);
    await draw(page, "b", 8);
    await expectPair(page, 3, 8);
    assert.deepEqual(wasmFetched.map((p) => p.replace(/.*\/(pkg[^/]*)\/.*/, "$1")), ["pkg-predictor"], `fetched ${wasmFetched}`);
    // A training run fetches the trainer: the SIMD128 build.
    for (const [name, value] of Object.entries({ epochs: "1", pairs: "100", batch: "32" })) await page.fill(`#opt-${name}`, value);
    await page.click("#train-start");
    await page.waitForSelector('#train-result[data-state="done"]', { timeout: 180_000 });
    assert.ok(wasmFetched.length === 2 && wasmFetched[1].endsWith("/pkg/twinnet_bg.wasm"), `fetched ${wasmFetched}`);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await context.unrouteAll();
  }
});
