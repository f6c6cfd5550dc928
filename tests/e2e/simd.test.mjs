// End-to-end: a browser without WebAssembly relaxed SIMD gets the SIMD128 build
// (www/wasm-module.js) and the page works the same. Chromium has relaxed SIMD, so the
// test serves a wasm-module.js whose probe says it has not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { context, draw, expectPair, openPage, useBrowser } from "./harness.mjs";

useBrowser();

test("without relaxed SIMD the page loads the SIMD128 build and predicts", async () => {
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
    assert.ok(wasmFetched.length > 0 && wasmFetched.every((p) => p.endsWith("/pkg/twinnet_bg.wasm")), `fetched ${wasmFetched}`);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await context.unrouteAll();
  }
});
