// Two builds of the trainer module compared on one noisy machine: the published run
// (share+aux, 1000 pairs, batch 128, lr 0.01) trained by each build in its own Web Worker
// in headless Chromium, their epochs interleaved (A, B, then B, A, …), each epoch timed in
// its worker. A host whose speed changes for seconds at a time (seen here: epochs of 80 and
// of 125 ms in blocks) then slows both builds alike, and the per-epoch ratio B : A stays
// meaningful where two whole benchmarks run one after the other do not. Prints figures;
// asserts nothing.
//
//   node scripts/lib/bench-ab.mjs DIR_A DIR_B [--runs 3] [--epochs 25] [--json]
//
// DIR_A and DIR_B are wasm-pack output directories of the trainer (twinnet.js and
// twinnet_bg.wasm, e.g. www/pkg-relaxed/ of two checkouts, or one copied aside before a
// rebuild). Run r of both builds uses seed 1000 + r; a first 5-epoch run warms both up.
// Needs www/data/mnist10k.bin (scripts/fetch-data.sh) and npm's playwright-core in tests/e2e.
//   CHROMIUM=/path/to/chromium (default /usr/bin/chromium)

import { cp, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./args.mjs";
import { serveLocal } from "./serve-local.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { chromium } = createRequire(join(ROOT, "tests/e2e/package.json"))("playwright-core");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const DATA = join(ROOT, "www/data/mnist10k.bin");

function usage(problem) {
  console.error(`bench-ab: ${problem}\nusage: node scripts/lib/bench-ab.mjs DIR_A DIR_B [--runs N (1-20, default 3)] [--epochs E (1-200, default 25)] [--json]`);
  process.exit(2);
}

/** One build in a worker: `{build}` loads it, `{seed, epochs}` starts a run, `{}` trains the next epoch. */
const WORKER = `
let wasm, digits, run;
onmessage = async ({ data }) => {
  if (data.build) {
    wasm = await import(\`./\${data.build}/twinnet.js\`);
    await wasm.default();
    const bytes = new Uint8Array(await (await fetch("mnist10k.bin")).arrayBuffer());
    digits = new wasm.TrainingData(bytes, "mnist10k.bin");
  } else if (data.seed !== undefined) {
    run?.free();
    run = new wasm.Training(digits, { share: true, aux: true, epochs: data.epochs, seed: data.seed });
  } else {
    const start = performance.now();
    const report = run.step();
    postMessage({ ms: performance.now() - start, testError: report.test_error });
    return;
  }
  postMessage(null);
};
`;

/** The page: both workers, and `race(runs, epochs, seed)` alternating their epochs. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>bench-ab</title><script type="module">
const ask = (worker, message) => new Promise((done) => { worker.onmessage = (e) => done(e.data); worker.postMessage(message); });
const builds = ["a", "b"];
const workers = Object.fromEntries(builds.map((b) => [b, new Worker("worker.js", { type: "module" })]));
window.ready = Promise.all(builds.map((b) => ask(workers[b], { build: b })));
window.race = async (runs, epochs, seed) => {
  const ms = { a: [], b: [] }, testError = { a: [], b: [] };
  for (let r = 0; r < runs; r++) {
    for (const b of builds) await ask(workers[b], { seed: seed + r, epochs });
    for (let e = 0; e < epochs; e++) {
      for (const b of e % 2 ? [...builds].reverse() : builds) {
        const out = await ask(workers[b], {});
        ms[b].push(out.ms);
        if (e === epochs - 1) testError[b].push(out.testError);
      }
    }
  }
  return { ms, testError };
};
</script>`;

// The two directories, and the flags (with their values) for parseArgs.
const positional = [];
const flags = [];
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--runs" || a === "--epochs") flags.push(a, process.argv[++i]);
  else if (a.startsWith("--")) flags.push(a);
  else positional.push(a);
}
if (positional.length !== 2) usage("give two trainer build directories");
const args = parseArgs(flags, { runs: 3, epochs: 25, json: false }, { "--runs": [1, 20], "--epochs": [1, 200] }, usage);
for (const dir of positional) {
  const wasm = join(dir, "twinnet_bg.wasm");
  if (!(await stat(wasm).catch(() => null))?.isFile()) usage(`${wasm} is missing: a trainer build directory holds twinnet.js and twinnet_bg.wasm`);
}
if (!(await stat(DATA).catch(() => null))) usage(`${DATA} is missing: run scripts/fetch-data.sh`);

const site = await mkdtemp(join(tmpdir(), "twinnet-ab-"));
let server, browser;
try {
  await Promise.all([
    cp(resolve(positional[0]), join(site, "a"), { recursive: true }),
    cp(resolve(positional[1]), join(site, "b"), { recursive: true }),
    cp(DATA, join(site, "mnist10k.bin")),
    writeFile(join(site, "worker.js"), WORKER),
    writeFile(join(site, "index.html"), PAGE),
  ]);
  let url;
  ({ server, url } = await serveLocal({ dir: site }));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${url}index.html`);
  await page.evaluate(() => window.ready);
  await page.evaluate(() => window.race(1, 5, 999)); // both builds compiled and warm
  const { ms, testError } = await page.evaluate(([runs, epochs]) => window.race(runs, epochs, 1000), [args.runs, args.epochs]);
  if (problems.length) throw new Error(`the page reported errors:\n${problems.join("\n")}`);

  const median = (v) => {
    const s = [...v].sort((x, y) => x - y);
    const n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  };
  const total = (v) => v.reduce((x, y) => x + y, 0);
  const report = {
    browser: `Chromium ${browser.version()}`,
    runs: args.runs,
    epochs: args.epochs,
    a: { dir: positional[0], epoch_ms_median: median(ms.a), total_ms: total(ms.a), test_error: testError.a },
    b: { dir: positional[1], epoch_ms_median: median(ms.b), total_ms: total(ms.b), test_error: testError.b },
    ratio_of_totals: total(ms.b) / total(ms.a),
    epoch_ratio_median: median(ms.b.map((t, i) => t / ms.a[i])),
  };
  if (args.json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(`${report.browser} (headless): the published run, ${args.runs} run(s) × ${args.epochs} epochs per build, epochs interleaved`);
    for (const k of ["a", "b"]) {
      const r = report[k];
      console.log(`  ${k.toUpperCase()} ${r.dir}: epoch median ${r.epoch_ms_median.toFixed(1)} ms, all epochs ${(r.total_ms / 1000).toFixed(2)} s, final test error ${r.test_error.map((e) => e.toFixed(1)).join(" / ")} %`);
    }
    console.log(`  B : A ${report.ratio_of_totals.toFixed(3)} (all epochs), ${report.epoch_ratio_median.toFixed(3)} (median of the epoch-by-epoch ratios)`);
  }
} finally {
  await browser?.close();
  server?.kill();
  await rm(site, { recursive: true, force: true });
}
