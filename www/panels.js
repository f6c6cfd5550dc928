// The page's panels beyond drawing: the weights (download, upload, reset), training, the
// ablation and the training data, wired to the trainer: module workers (worker.js) on the
// trainer wasm module, each behind its own ModelClient, started only when a run or the
// MNIST files ask for one (so the drawing page never fetches the trainer before). The
// training pool (training-pool.js) adds the ablation's extra workers. app.js imports this
// module once the drawing model is ready; the panels draw UI.

import { AblationPanel } from "./ablation-panel.js";
import { fileNameOf } from "./current-model.js";
import { DataPanel } from "./data-panel.js";
import { ModelClient } from "./model-client.js";
import { AblationStore, DataStore } from "./store.js";
import { TrainingPanel } from "./training-panel.js";
import { TrainingPool } from "./training-pool.js";
import { WeightsPanel } from "./weights-panel.js";

const WORKER_URL = new URL("worker.js", import.meta.url);

/**
 * Wires the panels.
 * @param {{current: import("./current-model.js").CurrentModel, setNote: (text: string) => void,
 *   limits: Promise<object>, restored: object | null, onModel: (listener: (record: object) => void) => void}} page
 *   onModel: registers a listener for every drawing model from now on (the first one included)
 */
export function startPanels({ current, setNote, limits, restored, onModel }) {
  const trainer = new ModelClient(WORKER_URL);
  const pool = new TrainingPool(WORKER_URL, trainer);
  const training = new TrainingPanel(document);
  const ablation = new AblationPanel(document);
  const weights = new WeightsPanel(document);
  training.setLimits(limits);
  ablation.setLimits(limits);
  if (restored) training.showStored(restored);

  onModel((record) => {
    const { info } = record;
    const trainedWith = record.options ? `, seed ${record.options.seed}, ${record.options.epochs} epochs on ${record.options.pairs} pairs` : "";
    const error = record.metrics ? `; test error ${record.metrics.test_error.toFixed(1)} % (head), ${record.metrics.test_error_readout.toFixed(1)} % (readout)` : "";
    const which = { pretrained: `the shipped pretrained ${info.name} model`, trained: `the ${info.name} model trained here`, uploaded: `the uploaded ${info.name} model` };
    weights.describe(`Drawing with ${which[record.source]}${trainedWith}${error}. File: ${fileNameOf(record)}.`);
  });

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

  /**
   * Hands `files` ([{name, bytes}]) to the trainer, which checks them (`checked`: their
   * counts from an earlier check: then the trainer gets them when it starts); the pool and
   * the forms follow. Resolves with the counts. Its callers show the panel loading first.
   */
  async function useStandardSet(files, checked = null) {
    const payload = { files };
    let counts = checked;
    if (counts) await trainer.keepWhenStarted("useData", payload);
    else ({ result: counts } = await trainer.keep("useData", payload));
    pool.setData(payload);
    learnedMaxPairs(counts.maxPairs);
    dataPanel.ready(counts, files.map((f) => f.name));
    return counts;
  }

  dataPanel.onFiles = async (picked) => {
    const kept = pool.hasData ? "The files in use before stay in use." : "The embedded digits stay in use.";
    // At once, before the files are read: the status never shows the last choice as if it were this one.
    dataPanel.loading(picked.length);
    try {
      const files = await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
      const { trainImages, testImages, maxPairs } = await useStandardSet(files);
      await DataStore.save({ files, checked: { trainImages, testImages, maxPairs } }).catch((e) => setNote(`The MNIST files are in use but could not be kept for your next visit: ${e.message}.`));
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

  // Files kept from the last visit were checked then: the trainer gets them when it starts.
  DataStore.load()
    .then((record) => {
      if (!record) return;
      dataPanel.loading(record.files.length);
      return useStandardSet(record.files, record.checked ?? null);
    })
    .catch((e) => dataPanel.embedded(`(The MNIST files kept from your last visit could not be used: ${e.message}.)`));
}
