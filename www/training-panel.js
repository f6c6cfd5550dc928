// The training panel: the form (validated before anything starts), Train / Cancel, the
// progress bar, the result line and the live curves. UI only: it calls `onStart(options)`
// and `onCancel()`, and app.js tells it what the trainer reports.
//
// Test hooks: #train-result data-state = idle | running | done | cancelled | error; when
// done data-test-error (head, %), data-test-error-readout (%), data-elapsed-ms (the
// worker's training time).

import { LineChart } from "./chart.js";
import { FormFields } from "./form-fields.js";
import { RunControls } from "./run-controls.js";
import { fieldOfMessage, validateTraining } from "./training-options.js";

const FIELDS = ["share", "aux", "epochs", "pairs", "lr", "batch", "seed"];
// At least 3:1 against the panel in both colour schemes (white and #1e2128), as WCAG asks of graphics.
export const COLORS = { train: "#3a78e3", test: "#b8691a", head: "#d14a3f", readout: "#1e8a52" };

const pct = (x) => `${x.toFixed(1)} %`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export class TrainingPanel {
  /** @type {(options: object) => void} */
  onStart = () => {};
  onCancel = () => {};

  #fields;
  #controls;
  #result;
  #lossChart;
  #errorChart;
  #epochs = [];
  #planned = 0;

  /** @param {Document} doc */
  constructor(doc) {
    this.#fields = new FormFields(doc, "opt", FIELDS, validateTraining);
    this.#controls = new RunControls(doc, "train", this.#fields, {
      onSubmit: () => this.#submit(),
      onCancel: () => this.onCancel(),
      blockedReason: "The ablation is running; training can start when it ends.",
    });
    this.#result = doc.getElementById("train-result");
    this.#lossChart = new LineChart(doc.getElementById("train-loss-chart"), doc.getElementById("train-loss-legend"), { yLabel: "loss" });
    this.#errorChart = new LineChart(doc.getElementById("train-error-chart"), doc.getElementById("train-error-legend"), { yLabel: "test error %" });
    this.#setState("idle", "Not trained yet: the page draws with the pretrained model.");
    this.#drawCurves();
  }

  /** The core's limits (a promise of them): the form's ranges, first values and checks. */
  setLimits(limits) {
    this.#fields.useLimits(limits);
  }

  /** The training digits give at most `maxPairs` pairs (the trainer said so). */
  setMaxPairs(maxPairs) {
    this.#fields.setMaxPairs(maxPairs);
  }

  async #submit() {
    const options = await this.#fields.check(); // if refused, the messages beside the fields say why
    if (options) this.onStart(options);
  }

  /** Another job holds the trainer (or let go of it): Train is disabled meanwhile. */
  setBlocked(blocked) {
    this.#controls.setBlocked(blocked);
  }

  /** A run of `options` was asked for. */
  started(options) {
    this.#controls.started(options.epochs);
    this.#epochs = [];
    this.#planned = options.epochs;
    this.#drawCurves();
    this.#setState("running", `Starting a run of ${options.epochs} epochs on ${options.pairs} pairs (seed ${options.seed})…`);
  }

  /** The trainer made the run: `options` as the core checked them, `config` its name. */
  training({ options, config }) {
    this.#result.textContent = `Training ${config} for ${options.epochs} epochs on ${options.pairs} pairs (seed ${options.seed})…`;
  }

  /** The worker is fetching the digits (first run only). */
  fetchingData() {
    this.#controls.indeterminate();
    this.#result.textContent = "Fetching the training digits (1.6 MB, first run only)…";
  }

  /** One epoch's report from the worker. */
  epoch(report) {
    this.#epochs.push(report);
    this.#planned = report.epochs ?? this.#planned;
    this.#controls.progress(report.epoch, this.#planned);
    this.#result.textContent =
      `Epoch ${report.epoch} of ${this.#planned}: train loss ${report.train_loss.toFixed(3)}, ` +
      `test error ${pct(report.test_error)} (readout ${pct(report.test_error_readout)}), ${seconds(report.elapsed_ms)} so far.`;
    this.#drawCurves();
  }

  /** The run ended and its model is now the drawing model. */
  done({ final, elapsed_ms, options, epochs }) {
    this.#controls.finished({ complete: true });
    if (epochs?.length) {
      this.#epochs = epochs;
      this.#planned = options?.epochs ?? epochs.length;
      this.#drawCurves();
    }
    this.#setState(
      "done",
      `Done in ${seconds(elapsed_ms)}: test error ${pct(final.test_error)} (head), ${pct(final.test_error_readout)} (readout); ` +
        `train error ${pct(final.train_error)}. It became the drawing model.`,
      { testError: final.test_error, testErrorReadout: final.test_error_readout, elapsedMs: elapsed_ms },
    );
  }

  /** Shows a model's stored training (after a reload), without claiming a run just ended. */
  showStored({ epochs, options, metrics }) {
    if (!epochs?.length) return;
    this.#epochs = epochs;
    this.#planned = options?.epochs ?? epochs.length;
    this.#drawCurves();
    this.#result.textContent = `Curves of the restored model's training: test error ${pct(metrics.test_error)} (head), ${pct(metrics.test_error_readout)} (readout).`;
  }

  cancelled(message) {
    this.#controls.finished();
    this.#setState("cancelled", `${message || "Training cancelled"}. The model you were drawing with is kept.`);
  }

  /** The run failed (bad options the worker refused, divergence, a crash); the model is kept. */
  failed(message) {
    this.#controls.finished();
    const field = fieldOfMessage(message);
    if (field && FIELDS.includes(field)) this.#fields.show({ [field]: message });
    this.#setState("error", `Training stopped: ${message}. The model you were drawing with is kept.`);
  }

  #setState(state, text, done) {
    const el = this.#result;
    el.dataset.state = state;
    el.textContent = text;
    for (const key of ["testError", "testErrorReadout", "elapsedMs"]) delete el.dataset[key];
    if (done) {
      el.dataset.testError = String(done.testError);
      el.dataset.testErrorReadout = String(done.testErrorReadout);
      el.dataset.elapsedMs = String(done.elapsedMs);
    }
  }

  #drawCurves() {
    const line = (key) => this.#epochs.map((e) => ({ x: e.epoch, y: e[key] }));
    const xMax = this.#planned;
    this.#lossChart.setSeries(
      [
        { label: "train loss", color: COLORS.train, points: line("train_loss") },
        { label: "test loss", color: COLORS.test, dash: [6, 4], points: line("test_loss") },
      ],
      { xMax },
    );
    this.#errorChart.setSeries(
      [
        { label: "test error, head", color: COLORS.head, points: line("test_error") },
        { label: "test error, readout", color: COLORS.readout, dash: [6, 4], points: line("test_error_readout") },
      ],
      { xMax },
    );
  }
}
