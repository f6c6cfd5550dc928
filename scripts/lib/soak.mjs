// The soak: the real page (www/, served as the end-to-end tests serve it) in headless
// Chromium, used for a long while through its test hooks (README, "Test hooks"), to show that
// what it holds stays bounded:
//   phase 1  1,000 predictions: pointer strokes on the two pads (tests/e2e/harness.mjs's draw),
//            each release answered by a painted verdict, the pads cleared after each pair;
//   phase 2  20 train/cancel cycles: a run started through the training form, cancelled once
//            its first epoch is done, #train-result back to "cancelled";
//   phase 3  10 upload/reset cycles: tests/fixtures/pytorch/twinnet_share_aux.safetensors
//            uploaded (#model-status[data-source] "uploaded"), then reset ("pretrained").
// After each phase (and after the first cycle of phases 2 and 3) it reads the page's JS heap
// (CDP Runtime.getHeapUsage, after a garbage collection) and both workers' wasm linear
// memory (worker.js's "memory" request, asked inside each worker through the DevTools
// protocol: the page itself exposes no worker). It fails (exit 1, with the reason) on any
// console error or page error, a state that does not come back, a verdict missing or wrong,
// or a worker's wasm memory after the cycles of phase 2 or 3 more than 10 % above what it was
// after their first cycle. Not part of the tests' time budget:
// 13.5 min on the shared 2-core machine (docs/benchmarks.md, "Soak").
//
//   node scripts/lib/soak.mjs [--predictions 1000] [--trains 20] [--uploads 10] [--json]
//   bash scripts/bench-web.sh --soak [--json]     (builds the page first)
//
// Needs www/ built and npm's playwright-core in tests/e2e, as scripts/lib/bench-web.mjs.
//   CHROMIUM=/path/to/chromium (default /usr/bin/chromium)

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "./args.mjs";
import { ROOT, TIMEOUT, draw, expectPair, openPage, startBrowser } from "../../tests/e2e/harness.mjs";

const MIB = 2 ** 20;
/** Allowed growth of a worker's wasm memory from after the first cycle to after the last. */
const WASM_GROWTH_LIMIT = 0.1;
const RUN_TIMEOUT = 180_000;
const UPLOAD = join(ROOT, "tests/fixtures/pytorch/twinnet_share_aux.safetensors");
/**
 * Pairs drawn in turn, each digit one stroke (one release, one verdict), each pair expected
 * right. Only 1 and 7: a stroke of few points (~0.3 s; the 3 and the 8 take ~6 s each).
 */
const PAIRS = [
  [1, 7],
  [7, 1],
  [7, 7],
  [1, 1],
];

function usage(problem) {
  console.error(`soak: ${problem}\nusage: node scripts/lib/soak.mjs [--predictions N (even, 2-100000)] [--trains N (1-1000)] [--uploads N (1-1000)] [--json]`);
  process.exit(2);
}

const parse = (argv) =>
  parseArgs(
    argv,
    { predictions: 1000, trains: 20, uploads: 10, json: false },
    { "--predictions": [2, 100_000, (v) => v % 2 === 0], "--trains": [1, 1000], "--uploads": [1, 1000] },
    usage,
  );

class SoakFailure extends Error {}

const args = parse(process.argv.slice(2));
const log = (text) => process.stderr.write(`  ${text}\n`);
const stop = await startBrowser();
const rows = [];
let failure = null;
try {
  const { page, problems } = await openPage();
  const check = (where) => {
    if (problems.length) throw new SoakFailure(`${where}: the page reported errors:\n  ${problems.join("\n  ")}`);
  };
  /** Waits for `selector`, failing the soak with `what` if it does not come. */
  const expectState = async (selector, what, timeout = TIMEOUT) => {
    try {
      await page.waitForSelector(selector, { timeout });
    } catch {
      throw new SoakFailure(`${what}: ${selector} did not come within ${timeout / 1000} s`);
    }
  };

  // The two workers, in the order app.js creates them: the predictor, then the trainer.
  const workers = page.workers();
  if (workers.length !== 2) throw new SoakFailure(`expected the page's two workers, found ${workers.length}`);
  const cdp = await page.context().newCDPSession(page);
  let memoryId = 0;
  /** worker.js's {type: "memory"} answer, asked inside `worker`; its own id, so the page ignores the answer. */
  const wasmBytes = (worker) =>
    worker.evaluate(
      (id) =>
        new Promise((resolve, reject) => {
          const post = self.postMessage;
          self.postMessage = function (message, ...rest) {
            if (message?.id !== id) return post.call(self, message, ...rest);
            self.postMessage = post;
            if (message.error !== undefined) reject(new Error(message.error));
            else resolve(message.result.bytes);
          };
          self.onmessage({ data: { type: "memory", id } });
        }),
      `soak-memory-${++memoryId}`,
    );
  const started = performance.now();
  const sample = async (phase, after) => {
    check(`${phase}, ${after}`);
    if (page.workers().length !== 2 || page.workers().some((w, i) => w !== workers[i])) {
      throw new SoakFailure(`${phase}, ${after}: a worker was replaced (it crashed)`);
    }
    await cdp.send("HeapProfiler.collectGarbage");
    const { usedSize } = await cdp.send("Runtime.getHeapUsage");
    const row = {
      phase,
      after,
      elapsed_s: Math.round((performance.now() - started) / 100) / 10,
      js_heap_bytes: usedSize,
      predictor_wasm_bytes: await wasmBytes(workers[0]),
      trainer_wasm_bytes: await wasmBytes(workers[1]),
    };
    rows.push(row);
    log(`${phase}, ${after}: JS heap ${(row.js_heap_bytes / MIB).toFixed(1)} MiB, wasm ${(row.predictor_wasm_bytes / MIB).toFixed(1)} + ${(row.trainer_wasm_bytes / MIB).toFixed(1)} MiB`);
    return row;
  };
  await sample("start", "page ready");

  // Phase 1: predictions, two a pair, the pads cleared between pairs.
  for (let n = 0; n < args.predictions / 2; n++) {
    const [first, second] = PAIRS[n % PAIRS.length];
    await draw(page, "a", first);
    await draw(page, "b", second);
    try {
      await expectPair(page, first, second);
    } catch (e) {
      throw new SoakFailure(`prediction ${2 * n + 2}: ${e.message}`);
    }
    await page.click("#clear-a");
    await page.click("#clear-b");
    await expectState('#verdict[data-state="empty"]', `prediction ${2 * n + 2}: clearing`);
    if ((n + 1) % 100 === 0) check(`prediction ${2 * n + 2}`), log(`${2 * n + 2} predictions`);
  }
  const releases = await page.evaluate(() => performance.getEntriesByName("twinnet:release-to-verdict").length);
  if (releases < args.predictions) throw new SoakFailure(`${args.predictions} releases painted ${releases} verdicts`);
  await sample("1 predict", `${args.predictions} predictions`);

  // Phase 2: train and cancel. 200 epochs on 1000 pairs: no run ends by itself here.
  for (const [name, value] of Object.entries({ epochs: "200", pairs: "1000", batch: "128", seed: "3" })) {
    await page.fill(`#opt-${name}`, value);
  }
  let firstTrain;
  for (let n = 1; n <= args.trains; n++) {
    await page.click("#train-start");
    await expectState('#train-result[data-state="running"]', `train ${n}: start`);
    try {
      await page.waitForFunction(() => document.getElementById("train-progress").value >= 1, null, { timeout: RUN_TIMEOUT });
    } catch {
      throw new SoakFailure(`train ${n}: no epoch finished within ${RUN_TIMEOUT / 1000} s`);
    }
    await page.click("#train-cancel");
    await expectState('#train-result[data-state="cancelled"]', `train ${n}: cancel`, RUN_TIMEOUT);
    await expectState('#model-status[data-state="ready"][data-source="pretrained"]', `train ${n}: the drawing model after the cancel`);
    check(`train ${n}`);
    if (n === 1) firstTrain = await sample("2 train/cancel", "1st cycle");
  }
  const lastTrain = await sample("2 train/cancel", `${args.trains} cycles`);

  // Phase 3: upload and reset.
  const buffer = await readFile(UPLOAD);
  let firstUpload;
  for (let n = 1; n <= args.uploads; n++) {
    await page.setInputFiles("#weights-upload", { name: "twinnet_share_aux.safetensors", mimeType: "application/octet-stream", buffer });
    await expectState('#model-status[data-state="ready"][data-source="uploaded"]', `upload ${n}`);
    await expectState('#weights-message[data-state="ok"]', `upload ${n}: the weights panel's answer`);
    await page.click("#weights-reset");
    await expectState('#model-status[data-state="ready"][data-source="pretrained"]', `reset ${n}`);
    check(`upload/reset ${n}`);
    if (n === 1) firstUpload = await sample("3 upload/reset", "1st cycle");
  }
  const lastUpload = await sample("3 upload/reset", `${args.uploads} cycles`);

  // Bounded: after the cycles within WASM_GROWTH_LIMIT of after the first one.
  const growth = [];
  for (const [phase, first, last] of [["train/cancel", firstTrain, lastTrain], ["upload/reset", firstUpload, lastUpload]]) {
    for (const worker of ["predictor", "trainer"]) {
      const [a, b] = [first[`${worker}_wasm_bytes`], last[`${worker}_wasm_bytes`]];
      growth.push({ phase, worker, first_bytes: a, last_bytes: b, growth: b / a - 1 });
    }
  }
  const tooMuch = growth.filter((g) => g.growth > WASM_GROWTH_LIMIT);
  if (tooMuch.length) {
    failure = tooMuch
      .map((g) => `${g.phase}: the ${g.worker}'s wasm memory grew ${(100 * g.growth).toFixed(1)} % (${g.first_bytes} → ${g.last_bytes} B), more than ${100 * WASM_GROWTH_LIMIT} %`)
      .join("\n");
  }
  await page.close();
  check("closing");

  const report = {
    browser: `Chromium ${page.context().browser()?.version() ?? ""}`.trim(),
    predictions: args.predictions,
    trains: args.trains,
    uploads: args.uploads,
    rows,
    wasm_growth: growth,
    wasm_growth_limit: WASM_GROWTH_LIMIT,
    ok: failure === null,
  };
  if (args.json) {
    console.log(JSON.stringify(report));
  } else {
    const mib = (b) => (b / MIB).toFixed(1).padStart(6);
    console.log(
      `${report.browser} (headless), the page in www/: ${args.predictions} predictions, ${args.trains} train/cancel cycles, ${args.uploads} upload/reset cycles`,
    );
    console.log("  phase          | after             | time s | JS heap MiB | predictor wasm MiB | trainer wasm MiB");
    for (const r of rows) {
      console.log(
        `  ${r.phase.padEnd(14)} | ${r.after.padEnd(17)} | ${r.elapsed_s.toFixed(0).padStart(6)} | ${mib(r.js_heap_bytes).padStart(11)} | ` +
          `${mib(r.predictor_wasm_bytes).padStart(18)} | ${mib(r.trainer_wasm_bytes).padStart(16)}`,
      );
    }
    for (const g of growth) {
      console.log(`  ${g.phase}: ${g.worker} wasm memory after the cycles ${g.growth >= 0 ? "+" : ""}${(100 * g.growth).toFixed(1)} % of after the first (limit +${100 * WASM_GROWTH_LIMIT} %)`);
    }
  }
} catch (e) {
  failure = e instanceof SoakFailure ? e.message : e.stack ?? String(e);
} finally {
  await stop();
}
if (failure !== null) {
  console.error(`soak: FAILED\n${failure}`);
  process.exit(1);
}
