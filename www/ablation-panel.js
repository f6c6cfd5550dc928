// The ablation panel: R rounds × the four configurations on W training workers, filling
// a table like the publication's Table I (mean ± sample std over the runs finished so far,
// which finish in any order) and Fig. 2-style mean curves with ±std bands. UI only: app.js
// and training-pool.js run the requests, and the rows and curves are the core's
// (src/ablation.rs), as the workers report them.
//
// Test hooks: #ablate-table data-state = idle | running | done | cancelled | error, one
// tr[data-config] per configuration (none, share, aux, share+aux) with
// data-test-error-mean, data-test-error-std (%) once it has a finished run;
// input#ablate-workers (1 to the core's limit, first the browser's cores);
// button#ablate-download-csv, -json, -svg (the core's files of the last finished ablation).

import { LineChart } from "./chart.js";
import { FormFields } from "./form-fields.js";
import { RunControls } from "./run-controls.js";
import { saveFile } from "./save-file.js";
import { defaultWorkers, validateAblation } from "./training-options.js";

export const CONFIGS = ["none", "share", "aux", "share+aux"];
const CONFIG_LABELS = { none: "no share / no aux", share: "share", aux: "aux", "share+aux": "share + aux" };
// At least 3:1 against the panel in both colour schemes (white and #1e2128), as WCAG asks of graphics.
const CONFIG_COLORS = { none: "#7a8190", share: "#3a78e3", aux: "#b8691a", "share+aux": "#1e8a52" };
/** The downloads: the button's `ablate-download-<kind>` and the file's MIME type. */
const FILE_TYPES = { csv: "text/csv", json: "application/json", svg: "image/svg+xml" };
/** Table columns: the cell's `data-col`, the core's key in a configuration's row, how to show it. */
const COLUMNS = [
  ["train_loss", "train_loss", (x) => x.toFixed(3)],
  ["test_loss", "test_loss", (x) => x.toFixed(3)],
  ["train_error", "train_error", (x) => x.toFixed(1)],
  ["test_error", "test_error", (x) => x.toFixed(1)],
  ["test_error_readout", "test_error_readout", (x) => x.toFixed(1)],
  ["seconds", "elapsed_ms", (ms) => (ms / 1000).toFixed(1)],
];

export class AblationPanel {
  onStart = () => {};
  onCancel = () => {};

  #fields;
  #workersInput;
  #controls;
  #status;
  #table;
  #rows = {};
  #lossChart;
  #errorChart;
  #plan = null; // {rounds, epochs, pairs, seed}
  #workers = 1;
  #runsDone = 0;
  #downloads = {}; // kind → its button
  #files = null; // {json, csv, svg} of the last finished ablation
  #epochs = new Map(); // run index → its epochs done

  /** @param {Document} doc */
  constructor(doc) {
    this.#fields = new FormFields(doc, "ablate", ["rounds", "workers", "epochs", "pairs", "seed"], validateAblation);
    this.#workersInput = doc.getElementById("ablate-workers");
    this.#controls = new RunControls(doc, "ablate", this.#fields, {
      onSubmit: () => this.#submit(),
      onCancel: () => this.onCancel(),
      blockedReason: "Training is running; the ablation can start when it ends.",
    });
    this.#status = doc.getElementById("ablate-status");
    this.#table = doc.getElementById("ablate-table");
    for (const row of this.#table.querySelectorAll("tr[data-config]")) this.#rows[row.dataset.config] = row;
    this.#lossChart = new LineChart(doc.getElementById("ablate-loss-chart"), doc.getElementById("ablate-loss-legend"), { yLabel: "loss" });
    this.#errorChart = new LineChart(doc.getElementById("ablate-error-chart"), doc.getElementById("ablate-error-legend"), { yLabel: "test error %" });
    this.#table.dataset.state = "idle";
    for (const [kind, type] of Object.entries(FILE_TYPES)) {
      const button = doc.getElementById(`ablate-download-${kind}`);
      button.addEventListener("click", () => this.#download(kind, type));
      this.#downloads[kind] = button;
    }
    this.#reset();
  }

  /** The core's limits (a promise of them): the form's ranges, first values and checks. */
  setLimits(limits) {
    this.#fields.useLimits(limits);
    limits
      .then((l) => {
        if (this.#workersInput.value === "") this.#workersInput.value = String(defaultWorkers(l, navigator.hardwareConcurrency));
      })
      .catch(() => {});
  }

  /** The training digits give at most `maxPairs` pairs (the trainer said so). */
  setMaxPairs(maxPairs) {
    this.#fields.setMaxPairs(maxPairs);
  }

  async #submit() {
    const options = await this.#fields.check(); // if refused, the messages beside the fields say why
    if (options) this.onStart(options);
  }

  setBlocked(blocked) {
    this.#controls.setBlocked(blocked);
  }

  /** `plan` = {rounds, epochs, pairs, seed} on `workers` workers. */
  started(plan, workers) {
    this.#plan = plan;
    this.#workers = workers;
    this.#controls.started(4 * plan.rounds * plan.epochs);
    this.#reset();
    this.#setState("running", `Running 4 configurations × ${plan.rounds} round${plan.rounds > 1 ? "s" : ""} (${plan.epochs} epochs, ${plan.pairs} pairs each) on ${this.#workersText()}…`);
  }

  #workersText() {
    return `${this.#workers} worker${this.#workers > 1 ? "s" : ""}`;
  }

  fetchingData() {
    this.#controls.indeterminate();
    this.#status.textContent = "Fetching the training digits (1.6 MB, first run only)…";
  }

  /** `{index, round, config, epoch: EpochReport}`: an epoch of run `index` (0-based), on any worker. */
  epoch({ index, round, config, epoch }) {
    const { rounds, epochs } = this.#plan;
    this.#epochs.set(index, epoch.epoch);
    let done = 0;
    for (const e of this.#epochs.values()) done += e;
    this.#controls.progress(done, 4 * rounds * epochs);
    this.#status.textContent = `${this.#runsDone} of ${4 * rounds} runs done on ${this.#workersText()}; run ${index + 1} (${CONFIG_LABELS[config] ?? config}, round ${round}) at epoch ${epoch.epoch} of ${epochs}.`;
  }

  /** `{runsDone, runs, summary: ConfigSummary[]}`: Table I and its curves over the runs finished so far. */
  table({ runsDone, summary }) {
    this.#runsDone = runsDone;
    this.#show(summary);
  }

  /**
   * The final `{runsDone, runs, summary, files, failed: [{index, message}]}`: `files` the
   * core's {json, csv, svg}; failed runs crashed twice.
   */
  done({ runsDone, runs, summary, files, failed = [] }) {
    this.#controls.finished({ complete: failed.length === 0 });
    this.#runsDone = runsDone;
    this.#show(summary);
    this.#setFiles(files);
    if (failed.length > 0) {
      const which = failed.map((f) => `run ${f.index + 1} (${f.message})`).join("; ");
      this.#setState("error", `${runsDone} of ${runs} runs finished; the table holds them. Crashed twice: ${which}.`);
      return;
    }
    const best = [...summary].sort((a, b) => a.test_error.mean - b.test_error.mean)[0];
    this.#setState("done", `Done: ${summary[0]?.rounds ?? 0} round(s) per configuration on ${this.#workersText()}. Lowest test error: ${CONFIG_LABELS[best?.name] ?? "—"} (${best?.test_error.mean.toFixed(1)} %).`);
  }

  /** Rows and curves of `summary` (the core's Table I); a configuration without runs is emptied. */
  #show(summary) {
    for (const config of CONFIGS) this.#fillRow(config, summary.find((s) => s.name === config) ?? null);
    this.#drawCurves(Object.fromEntries(summary.map((s) => [s.name, s.curves])));
  }

  /** A finished ablation kept from an earlier visit (AblationStore's record). */
  restore({ options, workers, summary, files, savedAt }) {
    this.#plan = options;
    this.#workers = workers;
    this.#show(summary);
    this.#setFiles(files);
    const when = new Date(savedAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    this.#setState("done", `The ablation finished on ${when}: ${options.rounds} round(s) of ${options.epochs} epochs on ${options.pairs} pairs, seed ${options.seed}.`);
  }

  /** The files to download, or none (null): the buttons follow. */
  #setFiles(files) {
    this.#files = files ?? null;
    for (const button of Object.values(this.#downloads)) button.disabled = !this.#files;
  }

  #download(kind, type) {
    const text = this.#files?.[kind];
    if (!text) return;
    const { rounds = 0, seed = 0 } = this.#plan ?? {};
    saveFile(text, kind === "svg" ? `twinnet-fig2-${rounds}rounds-seed${seed}.svg` : `twinnet-table1-${rounds}rounds-seed${seed}.${kind}`, type);
  }

  /** Whether an ablation is under way. */
  get running() {
    return this.#controls.running;
  }

  /** The finished ablation could not be kept for the next visit. */
  notSaved(problem) {
    this.#status.textContent += ` (Not kept for the next visit: ${problem}.)`;
  }

  cancelled(message) {
    this.#controls.finished();
    this.#setState("cancelled", `${message || "Ablation cancelled"}. The table keeps the runs that finished.`);
  }

  failed(message) {
    this.#controls.finished();
    this.#setState("error", `Ablation stopped: ${message}.`);
  }

  #setState(state, text) {
    this.#table.dataset.state = state;
    this.#status.textContent = text;
  }

  #reset() {
    this.#setFiles(null);
    this.#epochs.clear();
    this.#runsDone = 0;
    for (const config of CONFIGS) this.#fillRow(config, null);
    this.#drawCurves({});
  }

  /** One configuration's row: `summary` has `{mean, std}` per column and `rounds`; null empties it. */
  #fillRow(config, summary) {
    const row = this.#rows[config];
    if (!row) return;
    for (const [column, key, format] of COLUMNS) {
      const cell = row.querySelector(`[data-col="${column}"]`);
      const s = summary?.[key];
      if (s && Number.isFinite(s.mean)) {
        const std = document.createElement("span");
        std.className = "std";
        std.textContent = ` ± ${format(s.std)}`;
        cell.replaceChildren(format(s.mean), std);
      } else {
        cell.textContent = "—";
      }
    }
    row.querySelector('[data-col="rounds"]').textContent = summary ? String(summary.rounds) : "0";
    if (summary && Number.isFinite(summary.test_error?.mean)) {
      row.dataset.testErrorMean = String(summary.test_error.mean);
      row.dataset.testErrorStd = String(summary.test_error.std);
    } else {
      delete row.dataset.testErrorMean;
      delete row.dataset.testErrorStd;
    }
  }

  /** @param {Record<string, {train_loss: {mean, std}[], test_loss, test_error}>} curves per configuration */
  #drawCurves(curves) {
    const points = (stats) => (stats ?? []).map((s, i) => ({ x: i + 1, y: s.mean, std: s.std }));
    const xMax = this.#plan?.epochs ?? 25;
    const loss = [];
    const error = [];
    for (const config of CONFIGS) {
      const c = curves[config];
      if (!c) continue;
      const color = CONFIG_COLORS[config];
      const label = CONFIG_LABELS[config];
      loss.push({ label: `${label}, train`, legendLabel: label, color, points: points(c.train_loss) });
      loss.push({ label: `${label}, test`, color, dash: [6, 4], points: points(c.test_loss), legend: false });
      error.push({ label, color, points: points(c.test_error) });
    }
    this.#lossChart.setSeries(loss, { xMax });
    this.#errorChart.setSeries(error, { xMax });
  }
}
