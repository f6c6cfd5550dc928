// A trainer: a module Web Worker around the trainer wasm module (the crate with feature
// `training`; see src/web.rs). The page starts one when a training run, the ablation or
// the MNIST files ask for it (panels.js, training-pool.js); the drawing model is not
// here but on the page's main thread (predictor.js), so drawing is answered while runs train.
//
// Protocol. Every request carries an id and every answer names it:
//   in:  {type: "train", id, options}       options {share, aux, epochs, pairs, lr, batch, seed}
//        {type: "ablationRun", id, options, index} run `index` of the ablation `options`
//                                           {rounds, epochs?, pairs?, seed?} (0-based)
//        {type: "ablationSummary", id, options, runs, jobs?} Table I over finished
//                                           runs; with jobs, its files {json, csv, svg}
//        {type: "useData", id, files?}      train on the standard MNIST set, files [{name,
//                                           bytes}] (the four idx files, any order), or
//                                           without files on the embedded digits again;
//                                           answers {trainImages, testImages, maxPairs}; a
//                                           refused set leaves the data as they were
//        {type: "cancel", id, target}       stop run `target` at its next epoch boundary
//        {type: "memory", id}               the wasm linear memory's size (= its peak)
//   out: {id, status, …}                    progress, zero or more per request:
//                                           "data" (the digits file is fetched);
//                                           "digits" with {maxPairs} (what the data gives);
//                                           "start" with {options, config} (train: the
//                                           checked settings); "epoch" with {epoch} (train)
//                                           or {index, round, config, epoch} (ablationRun)
//        {id, result, ms}                   the answer; ms = time spent in this worker
//        {id, error, fatal, cancelled}      the failure; fatal = this worker is unusable
//                                           (the wasm module panicked) and must be replaced;
//                                           cancelled = a cancel request stopped it
import { importWasm } from "./wasm-module.js";

/** The wasm-bindgen module of this browser's build (wasm-module.js), once initialised. */
let wasm = null;
// Fetching and compiling the module start with the worker. A failure surfaces in the first
// request that needs it (the panel that asked says why).
const wasmReady = importWasm()
  .then(async (module) => {
    await module.default();
    wasm = module;
  })
  .catch((e) => {
    throw new Error(`could not start the WebAssembly module: ${e.message}`);
  });
wasmReady.catch(() => {});

// The embedded digits (the CLI's default data), fetched on the first train or ablate.
const DATA_URL = new URL("./data/mnist10k.bin", import.meta.url);

let crash = null;
/** A promise of the parsed digits (a TrainingData), made on the first train or ablate and kept. */
let data = null;
/** The run under way: {id, cancelled}. One at a time per worker. */
let running = null;

/** Thrown to stop a run; its message is the error's. */
class Cancelled extends Error {}

async function fetchBytes(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${what} at ${url}: ${e.message}`);
  }
  if (!response.ok) {
    throw new Error(`could not fetch ${what} at ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The training digits, fetched and parsed once (a failed fetch is tried again next time);
 * tells the page how many pairs they give.
 */
async function trainingData(status) {
  if (!data) {
    status("data");
    data = Promise.all([wasmReady, fetchBytes(DATA_URL, "the training digits")]).then(
      ([, bytes]) => new wasm.TrainingData(bytes, DATA_URL.pathname),
    );
    data.catch(() => {
      data = null;
    });
  }
  const digits = await data;
  status("digits", { maxPairs: digits.maxPairs() });
  return digits;
}

/**
 * Lets the event loop run one task (a cancel, a memory request) before the next epoch: a
 * MessageChannel message is a macrotask, queued behind messages already posted to us.
 */
function yieldToEventLoop() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Runs `body(run)` as this worker's one run under way, `run = {id, cancelled}`; a cancel
 * request for `id` sets `run.cancelled`, which the body checks between epochs.
 */
async function exclusiveRun(id, body) {
  if (running) throw new Error(`a run (request ${running.id}) is already under way in this worker: cancel it or wait for it`);
  const run = { id, cancelled: false };
  running = run;
  try {
    return await body(run);
  } finally {
    running = null;
  }
}

/**
 * Before each epoch: lets a pending cancel in, then stops with `Cancelled(message())` if it
 * was for this run.
 */
async function checkpoint(run, message) {
  await yieldToEventLoop();
  if (run.cancelled) throw new Cancelled(message());
}

/** Frees a wasm object; after a crash there is nothing left to free. */
function release(object) {
  try {
    object?.free();
  } catch {
    // The module aborted (a panic): the worker is about to be replaced.
  }
}

const handlers = {
  /** One run of the training form; the result carries the weights (transferred). */
  train({ options }, { id, status, transfer }) {
    return exclusiveRun(id, async (run) => {
      const digits = await trainingData(status);
      let training = null;
      try {
        training = new wasm.Training(digits, options ?? {});
        const checked = training.options();
        status("start", { options: checked, config: training.info().name });
        while (!training.isFinished()) {
          await checkpoint(run, () => `training cancelled after ${training.epochsDone()} of ${checked.epochs} epochs`);
          status("epoch", { epoch: training.step() });
        }
        const weights = training.weights().buffer;
        transfer(weights);
        return { weights, info: training.info(), ...training.report() };
      } finally {
        release(training);
      }
    });
  },

  /**
   * Run `index` (0-based) of the ablation `options` = {rounds, epochs?, pairs?, seed?}: one
   * of the runs a pool of workers shares (training-pool.js). The result is the finished run
   * as `ablationSummary` takes it.
   */
  ablationRun({ options, index }, { id, status }) {
    return exclusiveRun(id, async (run) => {
      const digits = await trainingData(status);
      let planned = null;
      try {
        planned = new wasm.AblationRun(digits, options ?? {}, index);
        const where = { index: planned.index(), round: planned.round(), config: planned.config() };
        while (!planned.isFinished()) {
          await checkpoint(run, () => `run ${index + 1} cancelled after ${planned.epochsDone()} epochs`);
          status("epoch", { ...where, epoch: planned.step() });
        }
        return planned.finish();
      } finally {
        release(planned);
      }
    });
  },

  /**
   * Table I over `runs` (finished runs of the ablation `options`, in any order), the core's;
   * with `jobs` (the workers that ran it) also its files {json, csv, svg}.
   */
  async ablationSummary({ options, runs, jobs }, { status }) {
    const digits = await trainingData(status);
    const results = new wasm.AblationResults(digits, options ?? {});
    try {
      for (const run of runs ?? []) results.insert(run);
      const table = { runsDone: results.runsDone(), runs: results.runs(), summary: results.summary() };
      if (jobs !== undefined) table.files = results.files(jobs);
      return table;
    } finally {
      release(results);
    }
  },

  /** The data the next runs train on: the standard MNIST files given, or the embedded digits. */
  async useData({ files }, { status }) {
    if (running) throw new Error("the data cannot change while a run is under way: cancel it or wait for it");
    let next;
    if (files) {
      await wasmReady;
      next = wasm.TrainingData.fromMnist(
        files.map((f) => f.name),
        files.map((f) => new Uint8Array(f.bytes)),
      );
    }
    if (data) release(await data.catch(() => null));
    data = next ? Promise.resolve(next) : null;
    const digits = await trainingData(status);
    return { trainImages: digits.trainImages(), testImages: digits.testImages(), maxPairs: digits.maxPairs() };
  },

  /** Asks run `target` to stop before its next epoch; `cancelled` says whether one was running. */
  async cancel({ target }) {
    const cancelled = running !== null && running.id === target;
    if (cancelled) running.cancelled = true;
    return { cancelled };
  },

  async memory() {
    await wasmReady;
    return { bytes: wasm.memoryBytes() };
  },
};

function describe(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    // A Rust panic aborts the module; its hook kept the message.
    crash = `the model crashed (${wasm?.takePanicMessage() ?? e.message}); it will be restarted`;
    return crash;
  }
  return e instanceof Error ? e.message : String(e);
}

self.onmessage = async ({ data: message }) => {
  const { type, id, ...request } = message ?? {};
  const t0 = performance.now();
  const transfers = [];
  const context = {
    id,
    /** A progress message: {id, status, ...fields}. */
    status: (status, fields = {}) => self.postMessage({ ...fields, id, status }),
    /** Moves `buffer` to the page with the result instead of copying it. */
    transfer: (buffer) => transfers.push(buffer),
  };
  try {
    if (crash) throw new Error(crash);
    const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
    if (!handler) throw new Error(`unknown request type ${JSON.stringify(type)}: use ${Object.keys(handlers).join(", ")}`);
    const result = await handler(request, context);
    self.postMessage({ id, result, ms: performance.now() - t0 }, transfers);
  } catch (e) {
    const error = describe(e);
    self.postMessage({ id, error, fatal: crash !== null, cancelled: e instanceof Cancelled });
  }
};
