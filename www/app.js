// The page: wiring only. Workers from the same worker.js, each behind its own
// ModelClient: the `predictor` holds the drawing model (load, predict) and never trains,
// so drawing stays live while the `trainer` trains, or runs the ablation with the extra
// workers of the training pool (training-pool.js). The panels
// (training-panel.js, ablation-panel.js, weights-panel.js) draw UI; CurrentModel
// (current-model.js) decides which model the predictor holds and keeps it in IndexedDB.
//
// Performance mark "twinnet:ready": the first model is ready (since navigation).

import { AblationPanel } from "./ablation-panel.js";
import { CurrentModel, fileNameOf } from "./current-model.js";
import { DrawingPad } from "./draw.js";
import { Examples } from "./examples.js";
import { LivePrediction } from "./live-prediction.js";
import { ModelClient } from "./model-client.js";
import { ResultsView } from "./results.js";
import { TrainingPanel } from "./training-panel.js";
import { TrainingPool } from "./training-pool.js";
import { WeightsPanel } from "./weights-panel.js";
import { build as wasmBuild } from "./wasm-module.js";
import { registerServiceWorker } from "./offline.js";
import { AblationStore, DataStore } from "./store.js";
import { DataPanel } from "./data-panel.js";

const WORKER_URL = new URL("worker.js", import.meta.url);
const WEIGHTS_URL = new URL("twinnet.safetensors", document.baseURI);

const statusEl = document.getElementById("model-status");
const noteEl = document.getElementById("model-note");
const timingEl = document.getElementById("timing");
const results = new ResultsView(document);
const predictor = new ModelClient(WORKER_URL);
const trainer = new ModelClient(WORKER_URL);
const pool = new TrainingPool(WORKER_URL, trainer);
const current = new CurrentModel(predictor, WEIGHTS_URL);
const training = new TrainingPanel(document);
const ablation = new AblationPanel(document);
const weights = new WeightsPanel(document);
// The settings' limits and defaults are the core's: the predictor's module has them.
const limits = predictor.request("limits").then(({ result }) => result);
training.setLimits(limits);
ablation.setLimits(limits);

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function setNote(text) {
  noteEl.textContent = text ?? "";
  noteEl.hidden = !text;
}

const when = (ms) => new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
const sourceText = { pretrained: "pretrained", trained: "trained here", uploaded: "uploaded" };

// ---- Drawing and live prediction ----

const live = new LivePrediction(predictor, results, {
  onTiming: (ms) => (timingEl.textContent = `Last prediction took ${ms.toFixed(1)} ms in the worker.`),
  onError: (error) => {
    if (!error.fatal) return setStatus("error", `Prediction failed: ${error.message}`);
    // The predictor was replaced (see ModelClient): give it the last good model again.
    setStatus("error", `${error.message}…`);
    restoreAfterCrash();
  },
});
const pad = (side) =>
  new DrawingPad(document.getElementById(`canvas-${side}`), {
    onDraw: () => live.changed(),
    onRelease: () => live.released(),
    onClear: () => live.cleared(),
  });
const pads = { a: pad("a"), b: pad("b") };
live.setPads(pads);
const examples = new Examples();
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
for (const side of ["a", "b"]) {
  document.getElementById(`clear-${side}`).addEventListener("click", () => pads[side].clear());
  document.getElementById(`example-${side}`).addEventListener("click", async () => {
    try {
      const example = await examples.next();
      await pads[side].play(example.strokes, { animate: !reducedMotion.matches });
    } catch (e) {
      setNote(e.message);
    }
  });
}

// ---- The drawing model ----

current.onChange = (record) => {
  const { info } = record;
  results.setModel(info);
  live.ready = true;
  statusEl.dataset.source = record.source;
  statusEl.dataset.config = info.name;
  statusEl.dataset.wasm = wasmBuild;
  setStatus(
    "ready",
    `Model ready: ${info.name} TwinNet (${sourceText[record.source]}), ${info.parameters.toLocaleString("en")} parameters, ${Math.round(record.size / 1024)} KB.`,
  );
  const trainedWith = record.options ? `, seed ${record.options.seed}, ${record.options.epochs} epochs on ${record.options.pairs} pairs` : "";
  const error = record.metrics ? `; test error ${record.metrics.test_error.toFixed(1)} % (head), ${record.metrics.test_error_readout.toFixed(1)} % (readout)` : "";
  const which = { pretrained: `the shipped pretrained ${info.name} model`, trained: `the ${info.name} model trained here`, uploaded: `the uploaded ${info.name} model` };
  weights.describe(`Drawing with ${which[record.source]}${trainedWith}${error}. File: ${fileNameOf(record)}.`);
  live.changed(); // the verdict of what is drawn, by this model
};

async function startModel() {
  setStatus("loading", "Loading the model…");
  try {
    const { restored, problem } = await current.start();
    if (restored) {
      const how = restored.source === "trained" ? "trained" : "uploaded";
      setNote(`Restored the model you ${how} on ${when(restored.savedAt)} (${restored.info.name}${restored.fileName ? `, ${restored.fileName}` : ""}). “Reset to pretrained” goes back to the shipped model.`);
      training.showStored(restored);
    } else if (problem) {
      setNote(`Started with the pretrained model: ${problem}.`);
    }
    performance.mark("twinnet:ready");
  } catch (e) {
    setStatus("error", `Could not load the model: ${e.message}`);
  }
  // After the first model, so that caching for offline use never delays it.
  registerServiceWorker();
}

async function restoreAfterCrash() {
  try {
    await current.reload();
    setNote("The drawing worker crashed and was restarted with the last good model.");
  } catch (e) {
    setStatus("error", `The drawing worker crashed and the model could not be reloaded: ${e.message}`);
  }
}

// ---- Weights in and out ----

weights.onDownload = () => current.file();
weights.onUpload = async (bytes, fileName) => {
  try {
    const { stored, problem } = await current.adopt({ source: "uploaded", bytes, fileName, savedAt: Date.now() });
    setNote("");
    return `Loaded ${fileName}: now drawing with it${stored ? "" : ` (not saved for the next visit: ${problem})`}.`;
  } catch (e) {
    throw new Error(`${fileName} was not loaded: ${e.message}. The current model is kept.`);
  }
};
weights.onReset = async () => {
  setNote(""); // the note was about the model being replaced
  const { stored, problem } = await current.reset();
  return stored
    ? "Back to the pretrained model; the stored one was forgotten."
    : `Back to the pretrained model (the stored one could not be forgotten: ${problem}; it may come back at the next visit).`;
};
current.onFollow = (record) => {
  const what = record.source === "pretrained" ? "the pretrained model" : `the model ${record.source} there (${record.info.name})`;
  setNote(`Another tab changed the drawing model: now drawing with ${what}.`);
};

// ---- The trainer: one job at a time (training or the ablation) ----

let job = null; // the running request's id (the cancel target)

function cancelJob() {
  if (job !== null) trainer.cancel(job).catch(() => {});
}

/** Runs `work()` (which holds the trainer) with the `other` panel disabled. */
async function exclusively(other, work) {
  other.setBlocked(true);
  try {
    return await work();
  } finally {
    job = null;
    other.setBlocked(false);
  }
}

/** Runs `type` in the trainer with the other panel disabled; `onStatus` hears its statuses. */
function runJob(type, payload, onStatus, other) {
  return exclusively(other, () => trainer.request(type, payload, { onStatus, onId: (id) => (job = id) }));
}

/** The training digits give at most `maxPairs` pairs: both forms check against it from now on. */
function learnedMaxPairs(maxPairs) {
  training.setMaxPairs(maxPairs);
  ablation.setMaxPairs(maxPairs);
}

/** Why a trainer request failed, for the panel: cancelled, or the message (a crash says so). */
function trainerFailure(error, panel) {
  if (error.cancelled) return panel.cancelled(error.message);
  panel.failed(error.fatal ? `${error.message} (the training worker was restarted)` : error.message);
}

training.onStart = async (options) => {
  training.started(options);
  try {
    const { result } = await runJob(
      "train",
      { options },
      (status, rest) => {
        if (status === "data") training.fetchingData();
        else if (status === "digits") learnedMaxPairs(rest.maxPairs);
        else if (status === "start") training.training(rest);
        else if (status === "epoch") training.epoch(rest.epoch);
      },
      ablation,
    );
    const metrics = { ...result.final, elapsed_ms: result.elapsed_ms };
    const record = { source: "trained", bytes: result.weights, options: result.options ?? options, metrics, epochs: result.epochs, savedAt: Date.now() };
    const { stored, problem } = await current.adopt(record);
    setNote(stored ? "" : `The trained model is in use but was not saved for the next visit: ${problem}.`);
    training.done({ ...result, options: record.options });
  } catch (e) {
    trainerFailure(e, training);
  }
};
training.onCancel = cancelJob;

ablation.onStart = async ({ workers, ...plan }) => {
  ablation.started(plan, workers);
  try {
    const result = await exclusively(training, () =>
      pool.ablate(plan, workers, {
        onStatus: (status, rest) => {
          if (status === "data") ablation.fetchingData();
          else if (status === "digits") learnedMaxPairs(rest.maxPairs);
        },
        onEpoch: (rest) => ablation.epoch(rest),
        onTable: (table) => ablation.table(table),
      }),
    );
    ablation.done(result);
    if (result.failed.length === 0) {
      await AblationStore.save({ options: plan, workers, ...result }).catch((e) => ablation.notSaved(e.message));
    }
  } catch (e) {
    trainerFailure(e, ablation);
  }
};
AblationStore.load()
  .then((record) => {
    if (record && !ablation.running) ablation.restore(record);
  })
  .catch(() => {}); // nothing kept (or no IndexedDB): the panel starts empty
ablation.onCancel = () => pool.cancel();

// ---- The training data ----

const dataPanel = new DataPanel(document);

/** Hands `files` ([{name, bytes}]) to the trainer; the pool and the forms follow it. */
async function useStandardSet(files) {
  dataPanel.loading(files.length);
  const payload = { files };
  const { result } = await trainer.keep("useData", payload);
  pool.setData(payload);
  learnedMaxPairs(result.maxPairs);
  dataPanel.ready(result, files.map((f) => f.name));
}

dataPanel.onFiles = async (picked) => {
  const kept = pool.hasData ? "The files in use before stay in use." : "The embedded digits stay in use.";
  try {
    const files = await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    await useStandardSet(files);
    await DataStore.save({ files }).catch((e) => setNote(`The MNIST files are in use but could not be kept for your next visit: ${e.message}.`));
  } catch (e) {
    dataPanel.refused(e.message, kept);
  }
};

dataPanel.onReset = async () => {
  try {
    const { result } = await trainer.keep("useData", {});
    pool.setData(null);
    learnedMaxPairs(result.maxPairs);
    dataPanel.embedded();
  } catch (e) {
    dataPanel.refused(e.message, "The MNIST files stay in use.");
    return;
  }
  await DataStore.clear().catch(() => {});
};

DataStore.load()
  .then((record) => record && useStandardSet(record.files))
  .catch((e) => dataPanel.embedded(`(The MNIST files kept from your last visit could not be used: ${e.message}.)`));

startModel();
