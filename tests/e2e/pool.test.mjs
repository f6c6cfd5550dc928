// End-to-end: the ablation on a pool of training workers (issue 12). The same seeds give
// the same Table I on one worker and on two (each run seeded on its own, the table summed
// in the plan's order whatever order runs finish in); drawing is answered while two
// workers train, and cancel stops them all; a worker that crashes has its run retried; the
// downloads (CSV, JSON, SVG) hold the table's numbers, and a finished ablation survives a reload.
// Small runs (2 rounds, 2 epochs, 100 pairs) keep it quick.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { TIMEOUT, context, draw, expectPair, openPage, reload, useBrowser } from "./harness.mjs";

useBrowser();

const RUN_TIMEOUT = 180_000;
const SMALL = { rounds: "2", epochs: "2", pairs: "100", seed: "21" };

async function fill(page, values) {
  await page.locator("#ablation details.advanced").evaluate((d) => (d.open = true));
  for (const [name, value] of Object.entries(values)) await page.fill(`#ablate-${name}`, value);
}

/** The table's hooks and cells, the time column left out (it is a measurement). */
const table = (page) =>
  page.locator("#ablate-table").evaluate((el) => ({
    state: el.dataset.state,
    rows: [...el.querySelectorAll("tr[data-config]")].map((tr) => ({
      config: tr.dataset.config,
      mean: tr.dataset.testErrorMean,
      std: tr.dataset.testErrorStd,
      cells: [...tr.querySelectorAll("td:not([data-col=seconds])")].map((c) => c.textContent),
    })),
  }));

/** Runs the small ablation on `workers` workers; returns the table and how many workers started. */
async function ablate(page, workers) {
  await fill(page, { ...SMALL, workers: String(workers) });
  await page.click("#ablate-start");
  await page.waitForSelector('#ablate-table[data-state="running"]', { timeout: TIMEOUT });
  await page.waitForSelector('#ablate-table:not([data-state="running"])', { timeout: RUN_TIMEOUT });
  return table(page);
}

/** Counts the workers the page starts from now on (each fetches worker.js). */
function countWorkers(page) {
  const counter = { started: 0 };
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.endsWith("/worker.js")) counter.started++;
  });
  return counter;
}

test("one worker and two give the same Table I", async () => {
  const { page, problems } = await openPage();
  const workers = countWorkers(page);
  const defaultWorkers = await page.inputValue("#ablate-workers");
  assert.equal(Number(defaultWorkers), Math.min(8, await page.evaluate(() => navigator.hardwareConcurrency)));

  const one = await ablate(page, 1);
  assert.equal(one.state, "done", await page.textContent("#ablate-status"));
  assert.equal(workers.started, 1, "one worker: the trainer, started by the run");
  const two = await ablate(page, 2);
  assert.equal(two.state, "done", await page.textContent("#ablate-status"));
  assert.equal(workers.started, 2, "two workers: the trainer and one more");
  assert.match(await page.textContent("#ablate-status"), /on 2 workers/);

  for (const row of one.rows) {
    assert.ok(Number(row.mean) >= 0 && Number(row.std) > 0, `two rounds, a spread: ${JSON.stringify(row)}`);
    assert.equal(row.cells[0], "2");
  }
  assert.deepEqual(two.rows, one.rows);
  assert.deepEqual(problems, []);
  await page.close();
});

test("drawing is answered while two workers train, and cancel stops both", async () => {
  const { page, problems } = await openPage();
  await fill(page, { rounds: "4", epochs: "25", pairs: "1000", seed: "3", workers: "2" });
  await page.click("#ablate-start");
  await page.waitForSelector('#ablate-table[data-state="running"]', { timeout: TIMEOUT });
  // Both workers are training once the status has named two different runs.
  const runs = new Set();
  await page.waitForFunction(() => /at epoch/.test(document.getElementById("ablate-status").textContent), null, { timeout: TIMEOUT });
  for (let i = 0; i < 200 && runs.size < 2; i++) {
    runs.add(/run (\d+) \(/.exec(await page.textContent("#ablate-status"))?.[1]);
    await page.waitForTimeout(25);
  }
  assert.ok(runs.size >= 2, `runs seen training: ${[...runs]}`);

  await draw(page, "a", 3);
  await draw(page, "b", 8);
  await expectPair(page, 3, 8);
  assert.equal((await table(page)).state, "running", "the ablation went on while drawing");

  await page.click("#ablate-cancel");
  await page.waitForSelector('#ablate-table[data-state="cancelled"]', { timeout: TIMEOUT });
  assert.match(await page.textContent("#ablate-status"), /ablation cancelled after \d+ of 16 runs/);
  assert.ok(!(await page.isDisabled("#train-start")) && !(await page.isDisabled("#ablate-start")));
  assert.deepEqual(problems, []);
  await page.close();
});

// The pool's extra worker crashes on its first run, as a panicking wasm module answers;
// its ModelClient replaces it with the real worker, which trains the run again.
const CRASHING_WORKER = `
import "./worker.js?real";
let crashed = false;
const real = self.onmessage;
self.onmessage = (event) => {
  const { type, id } = event.data ?? {};
  if (type === "ablationRun" && !crashed) {
    crashed = true;
    self.postMessage({ id, error: "the model crashed (a test's simulated panic); it will be restarted", fatal: true });
    return;
  }
  return real(event);
};
`;

test("a crashed worker's run is retried and the table is the same", async () => {
  const { page, problems } = await openPage();
  const reference = await ablate(page, 1);
  let crashing = true;
  await context.route(/\/worker\.js$/, (route) => {
    if (!crashing) return route.continue();
    crashing = false;
    return route.fulfill({ status: 200, contentType: "text/javascript", body: CRASHING_WORKER });
  });
  try {
    const retried = await ablate(page, 2);
    assert.equal(crashing, false, "the extra worker was the crashing one");
    assert.equal(retried.state, "done", await page.textContent("#ablate-status"));
    assert.deepEqual(retried.rows, reference.rows);
  } finally {
    await context.unroute(/\/worker\.js$/);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

/** Clicks download button `kind` and returns the file's name and text. */
async function download(page, kind) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.click(`#ablate-download-${kind}`)]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), "utf8") };
}

test("Table I downloads as CSV and JSON, Fig. 2 as SVG, holding the table's numbers, and all survive a reload", async () => {
  const { page, problems } = await openPage();
  const shown = await ablate(page, 2);
  assert.equal(shown.state, "done");
  const check = async () => {
    const rows = (await table(page)).rows;
    const csv = await download(page, "csv");
    assert.match(csv.name, /\.csv$/);
    const [header, ...lines] = csv.text.trim().split("\n");
    const columns = header.split(",");
    assert.deepEqual(columns.slice(0, 4), ["config", "share", "aux", "rounds"]);
    assert.equal(lines.length, 4);
    const json = JSON.parse((await download(page, "json")).text);
    assert.deepEqual(Object.keys(json).sort(), ["batch", "configurations", "epochs", "jobs", "lr", "pairs", "rounds", "seed"]);
    assert.deepEqual([json.rounds, json.epochs, json.pairs, json.seed, json.jobs], [2, 2, 100, 21, 2]);
    const svg = await download(page, "svg");
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      return { root: doc.documentElement.nodeName, errors: doc.getElementsByTagName("parsererror").length, text: doc.documentElement.textContent };
    }, svg.text);
    assert.deepEqual([parsed.root, parsed.errors], ["svg", 0]);
    rows.forEach((row, i) => {
      const cells = Object.fromEntries(columns.map((c, j) => [c, lines[i].split(",")[j]]));
      const config = json.configurations[i];
      assert.equal(cells.config, row.config);
      assert.equal(config.name, row.config);
      for (const [mean, std] of [[Number(cells.test_error_mean), Number(cells.test_error_std)], [config.test_error.mean, config.test_error.std]]) {
        assert.equal(mean, Number(row.mean), `${row.config}: test error mean`);
        assert.equal(std, Number(row.std), `${row.config}: test error std`);
      }
      for (const key of ["train_loss", "test_loss", "train_error", "test_error_readout", "test_digit_error", "elapsed_ms"]) {
        assert.equal(Number(cells[`${key}_mean`]), config[key].mean, `${row.config}: ${key} in CSV and JSON`);
      }
      assert.equal(config.curves.test_error.length, 2);
      // The figure's legend states each configuration's test error as the table does.
      const [mean, std] = row.cells[4].split(" ± ");
      assert.ok(parsed.text.includes(`${row.config} (N = 2; test error ${mean} ± ${std} %)`), `${row.config} in the SVG legend`);
    });
  };
  await check();
  await reload(page);
  await page.waitForSelector('#ablate-table[data-state="done"]', { timeout: TIMEOUT });
  assert.deepEqual(await table(page), shown, "the finished ablation survives a reload");
  await check();
  assert.deepEqual(problems, []);
  await page.close();
});
