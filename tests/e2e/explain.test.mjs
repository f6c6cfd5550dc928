// End-to-end: explain and invite (issue "Explain and invite"). The example buttons draw a
// held-out digit on their pad as pen strokes (animated, or at once when the person prefers
// reduced motion), from the keyboard too, and the verdict follows as for a drawing; the
// evidence maps (#saliency-a/b) then hold 196 finite numbers each, not all equal, their
// mass on the ink, and go away while a pad changes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { TIMEOUT, draw, openPage, useBrowser } from "./harness.mjs";

useBrowser();

const SIDE = 14;

/** The evidence map of `side` as the DOM has it (undefined fields while there is none). */
function saliency(page, side) {
  return page.locator(`#saliency-${side}`).evaluate((el) => ({
    values: el.dataset.values === undefined ? undefined : JSON.parse(el.dataset.values),
    input: el.dataset.input === undefined ? undefined : JSON.parse(el.dataset.input),
    target: el.dataset.target,
    digitValues: el.dataset.digitValues === undefined ? undefined : JSON.parse(el.dataset.digitValues),
    cls: el.dataset.class,
  }));
}

/** Share of a map's absolute mass on inked pixels or their 8 neighbours. */
function massNearInk(values, input) {
  let near = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const [r, c] = [Math.floor(i / SIDE), i % SIDE];
    let inked = false;
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        const [rr, cc] = [r + dr, c + dc];
        if (rr >= 0 && rr < SIDE && cc >= 0 && cc < SIDE && input[rr * SIDE + cc] > 0) inked = true;
      }
    }
    total += Math.abs(values[i]);
    if (inked) near += Math.abs(values[i]);
  }
  return near / total;
}

function checkMap(map, what) {
  assert.equal(map.values?.length, 196, `${what}: data-values`);
  assert.equal(map.input?.length, 196, `${what}: data-input`);
  assert.ok(map.values.every(Number.isFinite), `${what}: finite`);
  assert.ok(new Set(map.values).size > 1, `${what}: not all equal`);
  assert.ok(massNearInk(map.values, map.input) > 0.9, `${what}: mass on the ink`);
}

const bothMaps = (page) =>
  page.waitForFunction(
    () => ["a", "b"].every((s) => document.getElementById(`saliency-${s}`).dataset.values !== undefined) && document.querySelector("#verdict").dataset.state === "ready",
    null,
    { timeout: TIMEOUT },
  );

test("keyboard only: the example buttons draw two digits, and the verdict and both evidence maps follow", async () => {
  const { page, problems } = await openPage();
  for (const side of ["a", "b"]) {
    assert.equal((await saliency(page, side)).values, undefined, "no map on a blank pad");
  }
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "example-a", "the first stop is pad A's example");
  await page.keyboard.press("Enter");
  await page.waitForSelector('#digit-a[data-state="ready"]', { timeout: TIMEOUT });
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "example-b", "Tab goes from example-a over clear-a to example-b");
  await page.keyboard.press("Space");
  await bothMaps(page);
  for (const side of ["a", "b"]) {
    const map = await saliency(page, side);
    checkMap(map, side);
    assert.equal(map.target, "verdict");
    assert.equal(map.digitValues.length, 196);
    const probs = JSON.parse(await page.getAttribute(`#probs-${side}`, "data-probs"));
    assert.equal(Number(map.cls), probs.indexOf(Math.max(...probs)), "the class map explains the winner");
  }
  // Every example is read as some digit with a verdict; the announcement says it.
  await page.waitForFunction(() => /^Verdict/.test(document.querySelector("#verdict-announcement").textContent), null, { timeout: TIMEOUT });

  // The toggle repaints the maps for the digits' classes; the hooks stay the verdict's.
  // (When the verdict hinges on this digit's class alone, the two maps can be proportional
  // and so paint the same picture: the picture must change only when the maps differ.)
  const before = await page.locator("#saliency-a").evaluate((c) => c.toDataURL());
  const { values, digitValues } = await saliency(page, "a");
  await page.check("#evidence-digit");
  assert.match(await page.getAttribute("#saliency-a", "aria-label"), /its class \d/, "the label says the class map is shown");
  const scaled = (map) => map.map((v) => v / Math.max(...map.map(Math.abs)));
  const [v, d] = [scaled(values), scaled(digitValues)];
  if (v.some((x, i) => Math.abs(x - d[i]) > 0.1)) {
    assert.notEqual(await page.locator("#saliency-a").evaluate((c) => c.toDataURL()), before, "the class map is painted");
  }
  assert.deepEqual((await saliency(page, "a")).values, values);
  await page.uncheck("#evidence-digit");

  // A new stroke takes pad B's maps away until its verdict; then they are back.
  await draw(page, "b", 8);
  await bothMaps(page);
  checkMap(await saliency(page, "b"), "b after drawing");
  await page.click("#clear-b");
  await page.waitForFunction(() => document.querySelector("#saliency-a").dataset.target === "digit", null, { timeout: TIMEOUT });
  assert.equal((await saliency(page, "b")).values, undefined, "no map on a cleared pad");
  checkMap(await saliency(page, "a"), "a alone (its class)");
  assert.deepEqual(problems, []);
  await page.close();
});

/** How many different pictures pad `side` was predicted on while its example was drawn. */
async function predictionsWhileDrawing(page, side) {
  await page.evaluate((side) => {
    window.__probs = 0;
    window.__observer?.disconnect();
    window.__observer = new MutationObserver(() => window.__probs++);
    window.__observer.observe(document.getElementById(`probs-${side}`), { attributes: true, attributeFilter: ["data-probs"] });
  }, side);
  await page.click(`#example-${side}`);
  await page.waitForFunction((side) => document.getElementById(`saliency-${side}`).dataset.values !== undefined, side, { timeout: TIMEOUT });
  return page.evaluate(() => window.__probs);
}

test("an example is drawn stroke by stroke, or at once when the person prefers reduced motion", async () => {
  const { page, problems } = await openPage();
  assert.ok((await predictionsWhileDrawing(page, "a")) > 2, "animated: the prediction follows the pen");
  await page.emulateMedia({ reducedMotion: "reduce" });
  assert.equal(await predictionsWhileDrawing(page, "b"), 1, "reduced motion: one picture, one prediction");
  checkMap(await saliency(page, "b"), "b");
  assert.deepEqual(problems, []);
  await page.close();
});
