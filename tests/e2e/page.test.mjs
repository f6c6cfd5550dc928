// End-to-end: the real page in Debian's Chromium, driven by playwright-core, served on
// localhost under a sub-path (as on GitHub Pages). Real pointer strokes draw digits;
// the page's test hooks (ids and data-* attributes, see README) are checked.
//
//   npm test                       (in tests/e2e; www/ must be built: scripts/build-web.sh)
//   TWINNET_SAVE_PIXELS=1          also save the drawn pixels (parity fixtures)
// (see harness.mjs for TWINNET_E2E_OUT and CHROMIUM)

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { OUT, TIMEOUT, digitView, draw, expectPair, openPage, touch, useBrowser, verdict } from "./harness.mjs";

useBrowser({ timingsFile: "timings.json" });

/** Saves both pads' RGBA pixels (gzip) for the wasm/native parity fixtures. */
async function savePixels(page, name) {
  for (const side of ["a", "b"]) {
    const { side: size, bytes } = await page.locator(`#canvas-${side}`).evaluate((canvas) => ({
      side: canvas.width,
      bytes: Array.from(canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data),
    }));
    await writeFile(join(OUT, `${name}-${side}-${size}.rgba.gz`), gzipSync(Uint8Array.from(bytes), { level: 9 }));
  }
}

test("a 1 and a 7 say first ≤ second; clearing one side empties the verdict", async () => {
  const { page, problems } = await openPage();
  // Chromium runs relaxed SIMD: the page's predictions here come from the relaxed build
  // (tests/web.rs covers the SIMD128 one, simd.test.mjs the page's fallback to it).
  assert.equal(await page.getAttribute("#model-status", "data-wasm"), "simd128+relaxed");
  const empty = await verdict(page);
  assert.equal(empty.state, "empty");
  assert.equal(empty.pLe, undefined);

  await draw(page, "a", 1);
  // One side drawn: its probabilities, but no verdict yet.
  assert.equal((await verdict(page)).state, "empty");
  assert.equal((await digitView(page, "a")).argmax, 1);
  assert.equal((await digitView(page, "b")).probs, undefined);

  await draw(page, "b", 7);
  await expectPair(page, 1, 7);
  await page.screenshot({ path: join(OUT, "one-seven.png"), fullPage: true });

  await page.click("#clear-b");
  await page.waitForSelector('#verdict[data-state="empty"]', { timeout: TIMEOUT });
  assert.equal((await digitView(page, "b")).probs, undefined);
  assert.equal((await digitView(page, "a")).argmax, 1, "the other side keeps its digit");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a 3 and an 8 say first ≤ second, an 8 and a 3 first > second", async () => {
  const { page, problems } = await openPage();
  await draw(page, "a", 3);
  await draw(page, "b", 8);
  await expectPair(page, 3, 8);
  await page.waitForSelector("#saliency-b[data-values]", { timeout: TIMEOUT });
  await page.screenshot({ path: join(OUT, "three-eight.png"), fullPage: true });
  // The README's screenshot (docs/screenshot.png): the pads, the verdict and the digit panels.
  await page.screenshot({ path: join(OUT, "three-eight-top.png"), clip: { x: 0, y: 0, width: 900, height: 1090 } });
  if (process.env.TWINNET_SAVE_PIXELS) await savePixels(page, "three-eight");

  await page.click("#clear-a");
  await page.click("#clear-b");
  await page.waitForSelector('#verdict[data-state="empty"]', { timeout: TIMEOUT });
  await draw(page, "a", 8);
  await draw(page, "b", 3);
  await expectPair(page, 8, 3);
  assert.deepEqual(problems, []);
  await page.close();
});

test("on a phone: a finger draws, the page does not scroll", async () => {
  const { page: mobile, problems } = await openPage();
  await mobile.setViewportSize({ width: 390, height: 844 });
  const cdp = await mobile.context().newCDPSession(mobile);
  await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 5 });
  await cdp.send("Emulation.setDeviceMetricsOverride", { width: 390, height: 844, deviceScaleFactor: 3, mobile: true });
  await mobile.evaluate(() => window.scrollTo(0, 0));
  // The pads fit side by side on the narrow screen.
  const [a, b] = [await mobile.locator("#canvas-a").boundingBox(), await mobile.locator("#canvas-b").boundingBox()];
  assert.ok(b.x >= a.x + a.width && b.x + b.width <= 390, `pads at ${JSON.stringify([a, b])}`);

  await draw(mobile, "a", 1, touch);
  await draw(mobile, "b", 7, touch);
  await expectPair(mobile, 1, 7);
  assert.equal(await mobile.evaluate(() => window.scrollY), 0, "drawing scrolled the page");
  await mobile.screenshot({ path: join(OUT, "phone.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await cdp.detach();
  await mobile.close();
});
