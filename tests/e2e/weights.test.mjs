// End-to-end: weights in and out of the page (issue 4, part 6 and 7): a bad file never
// replaces the drawing model, an uploaded one survives a reload, "Reset to pretrained"
// forgets it, and the download is the model's file.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { OUT, ROOT, TIMEOUT, draw, expectPair, openPage, reload, upload, useBrowser } from "./harness.mjs";

useBrowser();

const PRETRAINED = join(ROOT, "www/twinnet.safetensors");
const PYTORCH_MODEL = join(ROOT, "tests/fixtures/pytorch/twinnet_share_aux.safetensors");
const NOT_A_MODEL = join(ROOT, "tests/fixtures/pytorch/golden_share_aux.safetensors"); // safetensors, other tensors

const modelSource = (page) => page.locator("#model-status").evaluate((el) => ({ state: el.dataset.state, source: el.dataset.source, config: el.dataset.config }));
const note = (page) => page.locator("#model-note").evaluate((el) => (el.hidden ? null : el.textContent));

test("bad files are refused with the loader's message; the model and its predictions stay", async () => {
  const { page, problems } = await openPage();
  await draw(page, "a", 1);
  await draw(page, "b", 7);
  const before = await expectPair(page, 1, 7);

  const real = await readFile(PRETRAINED);
  const bad = [
    ["corrupt.safetensors", Buffer.from("this is not a safetensors file at all, just text")],
    ["truncated.safetensors", real.subarray(0, Math.floor(real.length / 2))],
    ["golden.safetensors", await readFile(NOT_A_MODEL)],
  ];
  for (const [name, buffer] of bad) {
    const answer = await upload(page, name, buffer);
    assert.equal(answer.state, "error", `${name}: ${answer.text}`);
    assert.match(answer.text, new RegExp(`^${name} was not loaded: .{10,}\\. The current model is kept\\.$`, "s"));
    assert.deepEqual(await modelSource(page), { state: "ready", source: "pretrained", config: "share+aux" });
  }
  await page.screenshot({ path: join(OUT, "weights-bad-upload.png") });

  // Predictions still work, with the same model: the same verdict for a redrawn pair.
  await page.click("#clear-b");
  await page.waitForSelector('#verdict[data-state="empty"]', { timeout: TIMEOUT });
  await draw(page, "b", 7);
  const after = await expectPair(page, 1, 7);
  assert.equal(after.pLe, before.pLe);

  await reload(page);
  assert.equal(await note(page), null, "a refused file was stored");
  assert.equal((await modelSource(page)).source, "pretrained");
  assert.deepEqual(problems, []);
  await page.close();
});

test("an uploaded model survives a reload; reset goes back to the pretrained one", async () => {
  const { page, problems } = await openPage();
  const answer = await upload(page, "pytorch.safetensors", await readFile(PYTORCH_MODEL));
  assert.equal(answer.state, "ok", answer.text);
  assert.deepEqual(await modelSource(page), { state: "ready", source: "uploaded", config: "share+aux" });

  await reload(page);
  assert.match(await note(page), /^Restored the model you uploaded on .+ \(share\+aux, pytorch\.safetensors\)/);
  assert.equal((await modelSource(page)).source, "uploaded");
  await draw(page, "a", 3);
  await draw(page, "b", 8);
  assert.equal((await page.locator("#verdict").getAttribute("data-state")), "ready");

  await page.click("#weights-reset");
  await page.waitForSelector('#model-status[data-source="pretrained"]', { timeout: TIMEOUT });
  assert.equal(await note(page), null);
  await reload(page);
  assert.equal((await modelSource(page)).source, "pretrained");
  assert.equal(await note(page), null, "reset did not forget the stored model");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the download is the drawing model's file", async () => {
  const { page, problems } = await openPage();
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: TIMEOUT }), page.click("#weights-download")]);
  assert.equal(download.suggestedFilename(), "twinnet-share+aux-pretrained.safetensors");
  const bytes = await readFile(await download.path());
  assert.ok(bytes.equals(await readFile(PRETRAINED)));
  assert.deepEqual(problems, []);
  await page.close();
});
