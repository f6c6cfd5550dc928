// The browser benchmark: the published run (share+aux, 1000 pairs, 25 epochs, batch 128,
// lr 0.01, seed 1000) trained in the page's worker (www/worker.js) in headless Chromium,
// RUNS times, through www/bench.html. Prints per run the time of its epochs (the worker's
// performance.now()), the median epoch and the test error (head and readout); then the
// medians and the peak wasm memory. Prints figures; asserts nothing.
//
//   node scripts/lib/bench-web.mjs [--runs 3] [--epochs 25] [--json]
//   node scripts/lib/bench-web.mjs --ablate R [--epochs 25] [--workers W] [--versus V] [--json]
//        Table I from R rounds in the browser on W training workers (default 1; the 4R runs
//        shared among them as the page shares them); with --versus, first on V workers, then
//        on W: both tables, whether their numbers (all but the times) are the same, and the
//        wall-time ratio W : V.
//
// Needs www/ built (scripts/build-web.sh) and npm's playwright-core in tests/e2e
// (`npm ci --prefix tests/e2e`); scripts/bench-web.sh does both.
//   CHROMIUM=/path/to/chromium (default /usr/bin/chromium)

import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./args.mjs";
import { serveLocal } from "./serve-local.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { chromium } = createRequire(join(ROOT, "tests/e2e/package.json"))("playwright-core");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

function usage(problem) {
  console.error(`bench-web: ${problem}\nusage: node scripts/lib/bench-web.mjs [--runs N (1-20, default 3) | --ablate R (1-32) [--workers W (1-8)] [--versus V (1-8)]] [--epochs E (1-200, default 25)] [--json]`);
  process.exit(2);
}

const parse = (argv) =>
  parseArgs(
    argv,
    { runs: 3, epochs: 25, ablate: 0, workers: 1, versus: 0, json: false },
    { "--runs": [1, 20], "--epochs": [1, 200], "--ablate": [1, 32], "--workers": [1, 8], "--versus": [1, 8] },
    usage,
  );

/** Table I's numbers without the times (which are measurements, not results). */
const withoutTimes = (summary) => JSON.stringify(summary.map(({ elapsed_ms: _, ...row }) => row));

/** Table I as `twinnet ablate` prints it: mean ± std per configuration. */
function printTable(t) {
  const stat = (digits) => (s) => `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
  const [loss, percent] = [stat(3), stat(1)];
  console.log(
    `${t.browser} (headless), wasm (${t.wasm_build}) in a module Web Worker: ablation, ${t.rounds} rounds × 4 configurations, ` +
      `${t.epochs} epochs, on ${t.workers} worker(s): ${(t.wall_ms / 1000).toFixed(1)} s; peak wasm memory of a worker ` +
      `${(t.peak_memory_bytes / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log("  configuration | train loss | test loss | train error % | test error % (head) | test error % (readout) | test digit error % | s / run");
  for (const r of t.summary) {
    const cells = [
      loss(r.train_loss),
      loss(r.test_loss),
      ...[r.train_error, r.test_error, r.test_error_readout, r.test_digit_error].map(percent),
      percent({ mean: r.elapsed_ms.mean / 1000, std: r.elapsed_ms.std / 1000 }),
    ];
    console.log(`  ${r.name} | ${cells.join(" | ")}`);
  }
}

const args = parse(process.argv.slice(2));
const { server, url } = await serveLocal({ dir: join(ROOT, "www") });
const profile = await mkdtemp(join(tmpdir(), "twinnet-bench-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  // Progress on stderr: one line rewritten on a terminal, a line an epoch elsewhere.
  const progress = process.stderr.isTTY ? (text) => `\r\x1b[K  ${text}` : (text) => `  ${text}\n`;
  await page.exposeFunction("benchProgress", (text) => process.stderr.write(progress(text)));
  await page.goto(`${url}bench.html`);
  /** Runs bench.html's `window[name](options)` with progress; its result, plus the browser. */
  const measure = async (name, options) => {
    const result = await page.evaluate(
      ([name, options]) => window[name]({ ...options, onProgress: window.benchProgress }),
      [name, options],
    );
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (problems.length) throw new Error(`the page reported errors:\n${problems.join("\n")}`);
    return { ...result, browser: `Chromium ${context.browser()?.version() ?? ""}`.trim() };
  };
  if (args.ablate) {
    const ablate = (workers) => measure("twinnetAblate", { rounds: args.ablate, epochs: args.epochs, workers });
    const versus = args.versus ? await ablate(args.versus) : null;
    const table = await ablate(args.workers);
    const comparison = versus && {
      workers: [versus.workers, table.workers],
      wall_ms: [versus.wall_ms, table.wall_ms],
      ratio: table.wall_ms / versus.wall_ms,
      same_table: withoutTimes(versus.summary) === withoutTimes(table.summary),
    };
    if (args.json) {
      console.log(JSON.stringify(versus ? { versus, table, comparison } : table));
    } else {
      if (versus) printTable(versus);
      printTable(table);
      if (comparison) {
        console.log(
          `${table.workers} workers vs ${versus.workers}: ${(table.wall_ms / 1000).toFixed(1)} s vs ${(versus.wall_ms / 1000).toFixed(1)} s, ` +
            `ratio ${comparison.ratio.toFixed(2)}; same Table I (all but the times): ${comparison.same_table ? "yes" : "NO"}`,
        );
      }
    }
  } else {
    const report = await measure("twinnetBench", { runs: args.runs, epochs: args.epochs });
    if (args.json) {
      console.log(JSON.stringify(report));
    } else {
      const o = report.options;
      const mib = (b) => (b / 2 ** 20).toFixed(1);
      console.log(
        `${report.browser} (headless), wasm (${report.wasm_build}) in a module Web Worker: share+aux, ${o.pairs} pairs, batch ${o.batch}, ` +
          `lr ${o.lr}, seed ${o.seed}, ${o.epochs} epochs, ${report.runs.length} runs`,
      );
      report.runs.forEach((r, i) => {
        console.log(
          `  run ${i + 1}: ${r.training_ms.toFixed(0)} ms of epochs (${r.request_ms.toFixed(0)} ms whole request), ` +
            `epoch median ${r.epoch_ms_median.toFixed(0)} ms, test error ${r.test_error.toFixed(1)} % (head) ` +
            `${r.test_error_readout.toFixed(1)} % (readout), wasm memory ${mib(r.memory_bytes)} MiB`,
        );
      });
      console.log(`  median run: ${report.training_ms_median.toFixed(0)} ms; median epoch: ${report.epoch_ms_median.toFixed(0)} ms`);
      console.log(`  the trainer's start, before the first run and not in it (worker, module fetched, compiled, instantiated): ${report.trainer_start_ms.toFixed(0)} ms`);
      const evalMs = report.test_evaluation_ms_median;
      console.log(
        `  one epoch: median ${report.epoch_ms_median.toFixed(0)} ms = training ${(report.epoch_ms_median - evalMs).toFixed(0)} ms ` +
          `+ test evaluation ${evalMs.toFixed(0)} ms`,
      );
      console.log(
        `  one-pair inference: median ${report.inference_us_median.toFixed(0)} µs inside wasm ` +
          `(${report.inference_facade_us_mean.toFixed(0)} µs through the JS facade, result as a JS object)`,
      );
      console.log(`  peak wasm memory: ${mib(report.peak_memory_bytes)} MiB (${report.peak_memory_bytes} B)`);
    }
  }
} finally {
  await context?.close();
  server.kill();
  await rm(profile, { recursive: true, force: true });
}
