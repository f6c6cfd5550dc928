// End-to-end: the drawing model does not depend on storage. With IndexedDB failing,
// "Reset to pretrained" still puts the pretrained model in place (and says the stored one
// could not be forgotten); two tabs of the page follow each other's upload and reset.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, TIMEOUT, openPage, useBrowser } from "./harness.mjs";

useBrowser();

const PYTORCH_MODEL = join(ROOT, "tests/fixtures/pytorch/twinnet_share_aux.safetensors");

async function upload(page, name, buffer) {
  await page.setInputFiles("#weights-upload", { name, mimeType: "application/octet-stream", buffer });
  await page.waitForSelector('#weights-message:is([data-state="ok"], [data-state="error"])', { timeout: TIMEOUT });
  return page.locator("#weights-message").evaluate((el) => ({ state: el.dataset.state, text: el.textContent }));
}

async function reset(page) {
  await page.click("#weights-reset");
  await page.waitForSelector('#weights-message:is([data-state="ok"], [data-state="error"])', { timeout: TIMEOUT });
  return page.locator("#weights-message").evaluate((el) => ({ state: el.dataset.state, text: el.textContent }));
}

const source = (page) => page.locator("#model-status").getAttribute("data-source");

test("reset with IndexedDB unavailable shows the pretrained model", async () => {
  const { page, problems } = await openPage();
  const answer = await upload(page, "pytorch.safetensors", await readFile(PYTORCH_MODEL));
  assert.equal(answer.state, "ok", answer.text);
  assert.equal(await source(page), "uploaded");

  // From now on every IndexedDB open fails, as in a private window or a blocked store.
  await page.evaluate(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException("IndexedDB is not available here", "InvalidStateError");
    };
  });
  const answered = await reset(page);
  assert.equal(answered.state, "ok", answered.text);
  assert.match(answered.text, /^Back to the pretrained model \(the stored one could not be forgotten: .+\)/);
  assert.equal(await source(page), "pretrained");
  assert.deepEqual(problems, []);
  await page.close();
});

/** Waits for `page` to show `source`; how long it took (ms). */
async function follows(page, source) {
  const start = Date.now();
  await page.waitForSelector(`#model-status[data-source="${source}"]`, { timeout: TIMEOUT });
  return Date.now() - start;
}

// The figure to reach is a second; the test allows the harness's timeout (a shared machine
// can be slow) and prints what it measured.
test("a second tab learns of an upload and a reset in the first", async () => {
  const first = await openPage();
  const second = await openPage();
  // Whatever an earlier test left stored, both tabs start from the pretrained model.
  await reset(first.page);
  await second.page.waitForSelector('#model-status[data-source="pretrained"]', { timeout: TIMEOUT });

  const answer = await upload(first.page, "pytorch.safetensors", await readFile(PYTORCH_MODEL));
  assert.equal(answer.state, "ok", answer.text);
  const afterUpload = await follows(second.page, "uploaded");
  assert.match(await second.page.locator("#model-note").textContent(), /^Another tab changed the drawing model: now drawing with the model uploaded there \(share\+aux\)/);

  await reset(first.page);
  const afterReset = await follows(second.page, "pretrained");
  console.log(`second tab followed: the upload after ${afterUpload} ms, the reset after ${afterReset} ms (after the first tab's answer)`);
  assert.deepEqual(first.problems, []);
  assert.deepEqual(second.problems, []);
  await first.page.close();
  await second.page.close();
});
