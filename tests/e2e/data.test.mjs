// End-to-end: the publication's data in the page (issue 12). The four standard MNIST idx files,
// picked in any order under their standard names, raw or gzip, become the training data:
// #data-status says how many images train and test, a run trains on them, and the choice
// survives a reload; a truncated file is refused with the loader's message and the data in
// use stay; "Use the embedded digits" goes back. The files are made here from the held-out
// MNIST digits of tests/fixtures/heldout/ (200 images: 120 stand in for the training set,
// 80 for t10k), so the test needs no download.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ROOT, TIMEOUT, openPage, reload, useBrowser } from "./harness.mjs";

useBrowser();

const RUN_TIMEOUT = 120_000;
const HELD_OUT = join(ROOT, "tests/fixtures/heldout");
const [TRAIN, TEST] = [120, 80];

/** idx files of images [from, to) of the fixture: {images, labels} (raw bytes). */
async function idxPart(from, to) {
  const images = gunzipSync(await readFile(join(HELD_OUT, "images-idx3-ubyte.gz")));
  const labels = gunzipSync(await readFile(join(HELD_OUT, "labels-idx1-ubyte.gz")));
  const header = (magic, dims) => {
    const out = Buffer.alloc(4 + 4 * dims.length);
    out.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
    return out;
  };
  const n = to - from;
  return {
    images: Buffer.concat([header(0x803, [n, 28, 28]), images.subarray(16 + 784 * from, 16 + 784 * to)]),
    labels: Buffer.concat([header(0x801, [n]), labels.subarray(8 + from, 8 + to)]),
  };
}

async function standardFiles() {
  const [train, test] = [await idxPart(0, TRAIN), await idxPart(TRAIN, TRAIN + TEST)];
  const file = (name, buffer) => ({ name, mimeType: "application/octet-stream", buffer });
  // Any order; two of them gzip.
  return [
    file("t10k-labels-idx1-ubyte", test.labels),
    file("train-images-idx3-ubyte.gz", gzipSync(train.images)),
    file("t10k-images-idx3-ubyte", test.images),
    file("train-labels-idx1-ubyte.gz", gzipSync(train.labels)),
  ];
}

const dataStatus = (page) =>
  page.locator("#data-status").evaluate((el) => ({
    state: el.dataset.state,
    train: el.dataset.trainImages,
    test: el.dataset.testImages,
    text: el.textContent,
  }));

async function choose(page, files) {
  await page.setInputFiles("#data-upload", files);
  // The pick itself says "loading" (so the wait below cannot see the last choice's state).
  assert.equal((await dataStatus(page)).state, "loading");
  await page.waitForSelector('#data-status:is([data-state="ready"], [data-state="error"])', { timeout: TIMEOUT });
  return dataStatus(page);
}

test("the standard MNIST files train, survive a reload, a truncated one is refused, and reset goes back", async () => {
  const { page, problems } = await openPage();
  assert.equal((await dataStatus(page)).state, "embedded");
  assert.ok(await page.isDisabled("#data-reset"));

  const files = await standardFiles();
  const ready = await choose(page, files);
  assert.deepEqual([ready.state, ready.train, ready.test], ["ready", String(TRAIN), String(TEST)], ready.text);
  assert.match(ready.text, /at most 40 pairs/);

  // A run on them: the pairs limit follows the data, and it trains.
  await page.fill("#opt-epochs", "2");
  await page.fill("#opt-pairs", "50");
  await page.click("#train-start");
  assert.equal(await page.getAttribute("#opt-pairs", "aria-invalid"), "true", "50 pairs do not fit 80 test images");
  await page.fill("#opt-pairs", "40");
  await page.fill("#opt-batch", "20");
  await page.click("#train-start");
  await page.waitForSelector('#train-result:is([data-state="done"], [data-state="error"])', { timeout: RUN_TIMEOUT });
  assert.equal(await page.getAttribute("#train-result", "data-state"), "done", await page.textContent("#train-result"));

  await reload(page);
  await page.waitForSelector('#data-status[data-state="ready"]', { timeout: TIMEOUT });
  assert.equal((await dataStatus(page)).train, String(TRAIN), "the choice survives a reload");

  // A truncated images file: refused with the loader's message, the files in use stay.
  const truncated = files.map((f) => (f.name === "t10k-images-idx3-ubyte" ? { ...f, buffer: f.buffer.subarray(0, 5000) } : f));
  const refused = await choose(page, truncated);
  assert.equal(refused.state, "error");
  assert.match(refused.text, /t10k-images-idx3-ubyte.*(truncated|ends|short)/i);
  assert.match(refused.text, /files in use before stay in use/);
  assert.equal(await page.getAttribute("#opt-pairs", "max"), "40", "the pairs limit is still the files'");

  await page.click("#data-reset");
  await page.waitForSelector('#data-status[data-state="embedded"]', { timeout: TIMEOUT });
  await reload(page);
  assert.equal((await dataStatus(page)).state, "embedded", "reset survives a reload");
  assert.deepEqual(problems, []);
  await page.close();
});

test("an incomplete set is refused and the embedded digits stay", async () => {
  const { page, problems } = await openPage();
  const refused = await choose(page, (await standardFiles()).slice(0, 3));
  assert.equal(refused.state, "error");
  assert.match(refused.text, /4 idx files.*3 given.*The embedded digits stay in use/);
  assert.deepEqual(problems, []);
  await page.close();
});
