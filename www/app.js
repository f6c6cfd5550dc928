// The page: wiring only. The drawing model runs on this thread (predictor.js: the small
// predictor wasm module), so a verdict is painted in the frame after the pointer release;
// CurrentModel (current-model.js) decides which model it holds and keeps it in IndexedDB.
// Only what drawing needs is loaded before the first verdict (index.html preloads it);
// once the model is ready, panels.js brings the weights, training, ablation and data
// panels, whose trainer workers start only when a run asks for them.
//
// Performance mark "twinnet:ready": the first model is ready (since navigation): the pads
// answer from then on. #model-status[data-state="ready"] follows once the other panels
// are wired too, so that everything the status promises works.

import { CurrentModel } from "./current-model.js";
import { DrawingPad } from "./draw.js";
import { LivePrediction } from "./live-prediction.js";
import { Predictor } from "./predictor.js";
import { ResultsView } from "./results.js";

const WEIGHTS_URL = new URL("twinnet.safetensors", document.baseURI);

const statusEl = document.getElementById("model-status");
const noteEl = document.getElementById("model-note");
const timingEl = document.getElementById("timing");
const results = new ResultsView(document);
const predictor = new Predictor();
const current = new CurrentModel(predictor, WEIGHTS_URL);
// Which build of the trainer this browser would run (#model-status[data-wasm]): a 1 KB
// module, asked for once the pads answer.
let trainerBuild = null;

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
  onTiming: (ms) => (timingEl.textContent = `Last prediction took ${ms.toFixed(1)} ms.`),
  onError: (error) => {
    if (!error.fatal) return setStatus("error", `Prediction failed: ${error.message}`);
    // The predictor's module was restarted empty: give it the last good model again.
    live.ready = false;
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
let examples = null; // examples.js, imported on the first click
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
for (const side of ["a", "b"]) {
  document.getElementById(`clear-${side}`).addEventListener("click", () => pads[side].clear());
  document.getElementById(`example-${side}`).addEventListener("click", async () => {
    try {
      examples ??= import("./examples.js").then(({ Examples }) => new Examples());
      const example = await (await examples).next();
      await pads[side].play(example.strokes, { animate: !reducedMotion.matches });
    } catch (e) {
      examples = null;
      setNote(e.message);
    }
  });
}

// ---- The drawing model ----

const modelListeners = [];
/** Set once the other panels are wired: only then does #model-status say "ready". */
let panelsWired = false;

current.onChange = (record) => {
  results.setModel(record.info);
  live.ready = true;
  live.changed(); // the verdict of what is drawn, by this model
  if (panelsWired) showModel(record);
};

/** #model-status and the panels' listeners follow the model `record`. */
async function showModel(record) {
  const { info } = record;
  statusEl.dataset.source = record.source;
  statusEl.dataset.config = info.name;
  trainerBuild ??= import("./wasm-module.js").then(({ build }) => build);
  statusEl.dataset.wasm = await trainerBuild.catch(() => "simd128");
  setStatus(
    "ready",
    `Model ready: ${info.name} TwinNet (${sourceText[record.source]}), ${info.parameters.toLocaleString("en")} parameters, ${Math.round(record.size / 1024)} KB.`,
  );
  for (const listener of modelListeners) listener(record);
}

async function startModel() {
  setStatus("loading", "Loading the model…");
  let restored = null;
  try {
    let problem;
    ({ restored, problem } = await current.start());
    if (restored) {
      const how = restored.source === "trained" ? "trained" : "uploaded";
      setNote(`Restored the model you ${how} on ${when(restored.savedAt)} (${restored.info.name}${restored.fileName ? `, ${restored.fileName}` : ""}). “Reset to pretrained” goes back to the shipped model.`);
    } else if (problem) {
      setNote(`Started with the pretrained model: ${problem}.`);
    }
    performance.mark("twinnet:ready");
  } catch (e) {
    setStatus("error", `Could not load the model: ${e.message}`);
  }
  // The pads answer from here on; the other panels come next, then the status says ready.
  await startPanels(restored);
  panelsWired = true;
  if (current.record) showModel(current.record);
  // Caching for offline use (the service worker) waits for the first verdict, so that it
  // never competes with what drawing needs.
  whenFirstVerdict(() => import("./offline.js").then(({ registerServiceWorker }) => registerServiceWorker()));
}

/** The other panels, once the drawing model is ready (or failed: they still work without it). */
async function startPanels(restored) {
  try {
    const { startPanels } = await import("./panels.js");
    const limits = predictor.limits();
    startPanels({
      current,
      setNote,
      limits,
      restored,
      onModel: (listener) => modelListeners.push(listener),
    });
  } catch (e) {
    setNote(`The training panels could not be loaded: ${e.message}.`);
  }
}

/** Calls `then` once a verdict has been painted (or at once if one was). */
function whenFirstVerdict(then) {
  if (performance.getEntriesByName("twinnet:release-to-verdict").length > 0) return then();
  const observer = new PerformanceObserver(() => {
    observer.disconnect();
    then();
  });
  observer.observe({ type: "measure" });
}

async function restoreAfterCrash() {
  try {
    await current.reload();
    setNote("The drawing model crashed and was restarted with the last good model.");
  } catch (e) {
    setStatus("error", `The drawing model crashed and could not be reloaded: ${e.message}`);
  }
}

startModel();
