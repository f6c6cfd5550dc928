// End-to-end: training in the browser (issue 4): the form refuses bad values before
// anything starts; a run trained from the UI becomes the drawing model, gives the same
// metrics for the same seed, survives a reload and downloads as a file that loads; the
// page keeps predicting while a run goes on, and cancelling keeps the old model; a
// 1-round ablation fills the table. Small runs (200 pairs, 2 epochs) keep it quick.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { OUT, TIMEOUT, draw, expectPair, openPage, reload, useBrowser } from "./harness.mjs";

useBrowser();

const RUN_TIMEOUT = 180_000;
const SMALL = { epochs: "2", pairs: "200", batch: "64", seed: "7" };

async function fill(page, prefix, values) {
  for (const [name, value] of Object.entries(values)) await page.fill(`#${prefix}-${name}`, value);
}

const trainResult = (page) =>
  page.locator("#train-result").evaluate((el) => ({
    state: el.dataset.state,
    text: el.textContent,
    testError: el.dataset.testError === undefined ? undefined : Number(el.dataset.testError),
    testErrorReadout: el.dataset.testErrorReadout === undefined ? undefined : Number(el.dataset.testErrorReadout),
    elapsedMs: el.dataset.elapsedMs === undefined ? undefined : Number(el.dataset.elapsedMs),
  }));

/** Starts a run and waits until it ends; returns #train-result's hooks. */
async function train(page) {
  await page.click("#train-start");
  // Starting waits for the trainer's module (4 MB of wasm to compile): slow on a loaded machine.
  await page.waitForSelector('#train-result[data-state="running"]', { timeout: RUN_TIMEOUT });
  await page.waitForSelector('#train-result:not([data-state="running"])', { timeout: RUN_TIMEOUT });
  return trainResult(page);
}

const modelSource = (page) => page.locator("#model-status").evaluate((el) => el.dataset.source);
const note = (page) => page.locator("#model-note").evaluate((el) => (el.hidden ? null : el.textContent));
const pLe = (page) => page.locator("#verdict").evaluate((el) => Number(el.dataset.pLe));

test("invalid values are refused next to their field before anything starts", async () => {
  const { page, problems } = await openPage();
  await fill(page, "opt", { epochs: "0", batch: "1", lr: "2" });
  await page.click("#train-start");
  for (const field of ["epochs", "batch", "lr"]) {
    assert.equal(await page.getAttribute(`#opt-${field}`, "aria-invalid"), "true", field);
    assert.ok(await page.isVisible(`#opt-${field}-msg`), field);
    assert.match(await page.getAttribute(`#opt-${field}`, "aria-describedby"), new RegExp(`opt-${field}-msg`));
  }
  assert.match(await page.textContent("#opt-batch-msg"), /BatchNorm cannot train on a single pair/);
  assert.equal(await page.getAttribute("#opt-pairs", "aria-invalid"), null);
  assert.equal((await trainResult(page)).state, "idle");
  assert.equal(await page.evaluate(() => document.activeElement.id), "opt-epochs", "the first refused field has the focus");
  await fill(page, "opt", { epochs: "25" });
  assert.equal(await page.getAttribute("#opt-epochs", "aria-invalid"), null, "editing clears the message");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a diverging run stops with the core's message and keeps the model", async () => {
  const { page, problems } = await openPage();
  await fill(page, "opt", { epochs: "3", pairs: "300", batch: "2", lr: "1", seed: "1000" });
  const result = await train(page);
  assert.equal(result.state, "error", result.text);
  assert.match(result.text, /diverged .*try a smaller learning rate.*The model you were drawing with is kept\./);
  assert.equal(result.testError, undefined);
  assert.equal(await modelSource(page), "pretrained");
  assert.ok(!(await page.isDisabled("#train-start")));
  assert.deepEqual(problems, []);
  await page.close();
});

test("a run trained from the UI draws, repeats with its seed, downloads, and survives a reload", async () => {
  const { page, problems } = await openPage();
  await fill(page, "opt", SMALL);
  const first = await train(page);
  assert.equal(first.state, "done", first.text);
  for (const key of ["testError", "testErrorReadout", "elapsedMs"]) assert.ok(Number.isFinite(first[key]), `${key}: ${first[key]}`);
  assert.ok(first.testError >= 0 && first.testError <= 100 && first.elapsedMs > 0);
  assert.equal(await modelSource(page), "trained");
  assert.equal(await page.getAttribute("#train-progress", "value"), "2");

  // The trained model draws (two epochs on 200 pairs: any verdict, but a verdict).
  await draw(page, "a", 1);
  await draw(page, "b", 7);
  await page.waitForSelector('#verdict[data-state="ready"]', { timeout: TIMEOUT });
  const trainedPLe = await pLe(page);

  const second = await train(page);
  assert.equal(second.state, "done", second.text);
  assert.equal(second.testError, first.testError, "same seed, other test error");
  assert.equal(second.testErrorReadout, first.testErrorReadout, "same seed, other readout error");

  const [download] = await Promise.all([page.waitForEvent("download", { timeout: TIMEOUT }), page.click("#weights-download")]);
  assert.equal(download.suggestedFilename(), "twinnet-share+aux-seed7.safetensors");
  const bytes = await readFile(await download.path());

  await reload(page);
  assert.match(await note(page), /^Restored the model you trained on /);
  assert.equal(await modelSource(page), "trained");
  assert.equal((await trainResult(page)).state, "idle");

  // The downloaded file loads, and it is the same model: the same verdict for the same drawings.
  await page.setInputFiles("#weights-upload", { name: download.suggestedFilename(), mimeType: "application/octet-stream", buffer: bytes });
  await page.waitForSelector('#weights-message[data-state="ok"]', { timeout: TIMEOUT });
  assert.equal(await modelSource(page), "uploaded");
  await draw(page, "a", 1);
  await draw(page, "b", 7);
  await page.waitForSelector('#verdict[data-state="ready"]', { timeout: TIMEOUT });
  assert.equal(await pLe(page), trainedPLe);

  await page.click("#weights-reset");
  await page.waitForSelector('#model-status[data-source="pretrained"]', { timeout: TIMEOUT });
  assert.deepEqual(problems, []);
  await page.close();
});

test("drawing predicts while a run trains; cancelling keeps the old model", async () => {
  const { page, problems } = await openPage();
  await fill(page, "opt", { epochs: "200", pairs: "1000", batch: "128", seed: "3" });
  await page.click("#train-start");
  await page.waitForSelector('#train-result[data-state="running"]', { timeout: TIMEOUT });
  assert.ok(await page.isDisabled("#ablate-start"), "the ablation can start while training runs");
  assert.ok(await page.isDisabled("#train-start"));
  await page.waitForFunction(() => document.getElementById("train-progress").value >= 1, null, { timeout: RUN_TIMEOUT });

  // The predictor answers while the trainer trains.
  await draw(page, "a", 1);
  await draw(page, "b", 7);
  const during = await expectPair(page, 1, 7);
  assert.equal((await trainResult(page)).state, "running", "the run ended before the drawing was predicted");
  await page.screenshot({ path: join(OUT, "training-running.png"), fullPage: true });

  await page.click("#train-cancel");
  await page.waitForSelector('#train-result[data-state="cancelled"]', { timeout: RUN_TIMEOUT });
  assert.equal(await modelSource(page), "pretrained");
  assert.ok(!(await page.isDisabled("#train-start")) && !(await page.isDisabled("#ablate-start")));
  await page.click("#clear-b");
  await page.waitForSelector('#verdict[data-state="empty"]', { timeout: TIMEOUT });
  await draw(page, "b", 7);
  assert.equal((await expectPair(page, 1, 7)).pLe, during.pLe, "the drawing model changed");
  await reload(page);
  assert.equal(await note(page), null, "a cancelled run was stored");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a 1-round ablation fills the four rows of the table", async () => {
  const { page, problems } = await openPage();
  await page.click("#ablation details.advanced summary");
  await fill(page, "ablate", { rounds: "1", epochs: "2", pairs: "100" });
  await page.click("#ablate-start");
  await page.waitForSelector('#ablate-table[data-state="running"]', { timeout: TIMEOUT });
  assert.ok(await page.isDisabled("#train-start"), "training can start while the ablation runs");
  await page.waitForSelector('#ablate-table:not([data-state="running"])', { timeout: RUN_TIMEOUT });
  const table = await page.locator("#ablate-table").evaluate((el) => ({
    state: el.dataset.state,
    rows: [...el.querySelectorAll("tr[data-config]")].map((tr) => ({
      config: tr.dataset.config,
      mean: Number(tr.dataset.testErrorMean),
      std: Number(tr.dataset.testErrorStd),
      cells: [...tr.cells].map((c) => c.textContent),
    })),
  }));
  assert.equal(table.state, "done", await page.textContent("#ablate-status"));
  assert.deepEqual(table.rows.map((r) => r.config), ["none", "share", "aux", "share+aux"]);
  for (const row of table.rows) {
    assert.ok(Number.isFinite(row.mean) && row.mean >= 0 && row.mean <= 100, JSON.stringify(row));
    assert.equal(row.std, 0, "one round has no spread");
    assert.equal(row.cells[1], "1");
    assert.ok(row.cells.slice(2).every((c) => / ± /.test(c)), JSON.stringify(row.cells));
  }
  assert.ok(!(await page.isDisabled("#train-start")));
  await page.screenshot({ path: join(OUT, "ablation.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
