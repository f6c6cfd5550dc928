// Prints scripts/bench.sh's table from the JSON the three benchmarks wrote into one
// folder: native.json (src/bin/bench.rs --json), browser.json (scripts/lib/bench-web.mjs
// --json, optional), torch.json (the PyTorch reference's results.json, optional).
//
//   node scripts/lib/bench-report.mjs DIR

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/lib/bench-report.mjs DIR (with native.json, browser.json?, torch.json?)");
  process.exit(2);
}
const read = (name) => (existsSync(join(dir, name)) ? JSON.parse(readFileSync(join(dir, name), "utf8")) : null);
const [native, browser, torch] = ["native.json", "browser.json", "torch.json"].map(read);
if (!native) {
  console.error(`bench-report: ${join(dir, "native.json")} is missing`);
  process.exit(1);
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n === 0 ? NaN : n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
const fixed = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : "–");

// One row per contender, in seconds / milliseconds / microseconds.
const rows = [];
const epochs = native.epochs;
rows.push({
  name: "native, 1 thread (CLI code)",
  run_s: native.run_seconds_median,
  epoch_ms: native.epoch_seconds_median * 1e3,
  eval_ms: native.test_evaluation_seconds_median * 1e3,
  infer_us: native.inference_us_median,
  error: median(native.test_error),
  readout: median(native.test_error_readout),
});
if (browser) {
  rows.push({
    name: `browser, ${browser.runs.length} runs (wasm ${browser.wasm_build}, worker)`,
    run_s: browser.training_ms_median / 1e3,
    epoch_ms: browser.epoch_ms_median,
    eval_ms: browser.test_evaluation_ms_median,
    infer_us: browser.inference_us_median,
    error: median(browser.runs.map((r) => r.test_error)),
    readout: median(browser.runs.map((r) => r.test_error_readout)),
  });
}
let torchRow = null;
if (torch) {
  const results = torch.runs?.[0]?.results?.["share + aux"] ?? [];
  const latency = torch.latency_us_median_min?.threads_1;
  torchRow = {
    name: `PyTorch ${torch.torch}, 1 thread`,
    // The reference times training only: no per-epoch test evaluation.
    run_s: median(results.map((r) => r.time)),
    epoch_ms: (median(results.map((r) => r.time)) / epochs) * 1e3,
    eval_ms: NaN,
    infer_us: latency ? latency[0] : NaN,
    error: median(results.map((r) => r.test_err)),
    readout: NaN,
    note: "training only",
  };
  rows.push(torchRow);
}

console.log(`\nPublished run: share+aux, 1000 pairs, ${epochs} epochs, batch 128; medians (${new Date().toISOString().slice(0, 10)})`);
console.log("| | full run s | epoch ms | = training | + test eval | one-pair inference µs | test error % (head / readout) |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const training = Number.isFinite(r.eval_ms) ? r.epoch_ms - r.eval_ms : r.epoch_ms;
  console.log(
    `| ${r.name} | ${fixed(r.run_s, 2)}${r.note ? ` (${r.note})` : ""} | ${fixed(r.epoch_ms, 0)} | ${fixed(training, 0)} | ` +
      `${fixed(r.eval_ms, 0)} | ${fixed(r.infer_us, 0)} | ${fixed(r.error, 1)} / ${fixed(r.readout, 1)} |`,
  );
}
if (browser) {
  console.log(
    `browser: peak wasm memory ${(browser.peak_memory_bytes / 2 ** 20).toFixed(1)} MiB; one-pair inference through the ` +
      `JS facade (result as a JS object) ${fixed(browser.inference_facade_us_mean, 0)} µs; the trainer's start (worker, module ` +
      `fetched, compiled, instantiated; not in the run's time) ${fixed(browser.trainer_start_ms, 0)} ms`,
  );
}
if (torchRow) {
  const ratio = (r) => r.run_s / torchRow.run_s;
  console.log("\nRatios to PyTorch's training time (ours include the per-epoch test evaluation; theirs do not):");
  console.log(`  native / PyTorch  ${fixed(ratio(rows[0]), 2)}   (goal ≤ 0.7)`);
  if (browser) console.log(`  browser / PyTorch ${fixed(ratio(rows[1]), 2)}   (goal ≤ 1.0)`);
  const trainingOnly = (r) => (r.run_s - (epochs * r.eval_ms) / 1e3) / torchRow.run_s;
  console.log(
    `  without our per-epoch test evaluation: native ${fixed(trainingOnly(rows[0]), 2)}` +
      (browser ? `, browser ${fixed(trainingOnly(rows[1]), 2)}` : ""),
  );
  console.log(`  one-pair inference, wasm / PyTorch: ${browser ? fixed(rows[1].infer_us / torchRow.infer_us, 2) : "–"}`);
} else {
  console.log("\n(PyTorch not run: no ratios)");
}
