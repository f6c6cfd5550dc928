// The ablation panel: R rounds × the four configurations in the trainer worker, filling
// a table like the publication's Table I (mean ± sample std over the rounds done so far)
// and Fig. 2-style mean curves with ±std bands. UI only: app.js runs the requests, and
// the rows and curves are the core's (src/ablation.rs), as the worker reports them.
//
// Test hooks: #ablate-table data-state = idle | running | done | cancelled | error, one
// tr[data-config] per configuration (none, share, aux, share+aux) with
// data-test-error-mean, data-test-error-std (%) once it has a finished run.

import { LineChart } from "./chart.js";
import { FormFields } from "./form-fields.js";
import { RunControls } from "./run-controls.js";
import { validateAblation } from "./training-options.js";

export const CONFIGS = ["none", "share", "aux", "share+aux"];
const CONFIG_LABELS = { none: "no share / no aux", share: "share", aux: "aux", "share+aux": "share + aux" };
// At least 3:1 against the panel in both colour schemes (white and #1e2128), as WCAG asks of graphics.
const CONFIG_COLORS = { none: "#7a8190", share: "#3a78e3", aux: "#b8691a", "share+aux": "#1e8a52" };
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
  #controls;
  #status;
  #table;
  #rows = {};
  #lossChart;
  #errorChart;
  #plan = null; // {rounds, epochs, pairs, seed}
  #curves = {}; // config → the core's Curves so far

  /** @param {Document} doc */
  constructor(doc) {
    this.#fields = new FormFields(doc, "ablate", ["rounds", "epochs", "pairs", "seed"], validateAblation);
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
    this.#reset();
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

  setBlocked(blocked) {
    this.#controls.setBlocked(blocked);
  }

  started(plan) {
    this.#plan = plan;
    this.#controls.started(4 * plan.rounds * plan.epochs);
    this.#reset();
    this.#setState("running", `Running 4 configurations × ${plan.rounds} round${plan.rounds > 1 ? "s" : ""} (${plan.epochs} epochs, ${plan.pairs} pairs each)…`);
  }

  fetchingData() {
    this.#controls.indeterminate();
    this.#status.textContent = "Fetching the training digits (1.6 MB, first run only)…";
  }

  /** `{config, run, runs, epoch: EpochReport, curves}` from the worker: `curves` the configuration's so far. */
  epoch({ config, run, runs, epoch, curves }) {
    const epochs = this.#plan.epochs;
    this.#controls.progress((run - 1) * epochs + epoch.epoch, runs * epochs);
    this.#curves[config] = curves;
    this.#status.textContent = `Run ${run} of ${runs}: ${CONFIG_LABELS[config] ?? config}, epoch ${epoch.epoch} of ${epochs}.`;
    this.#drawCurves(this.#curves);
  }

  /** `{config, row: ConfigSummary}`: one run finished; its configuration's Table I row so far. */
  run({ config, row }) {
    this.#fillRow(config, row);
  }

  /** The final `{rounds, summary: ConfigSummary[]}`. */
  done({ summary }) {
    this.#controls.finished({ complete: true });
    for (const s of summary) this.#fillRow(s.name, s);
    this.#drawCurves(Object.fromEntries(summary.map((s) => [s.name, s.curves])));
    const best = [...summary].sort((a, b) => a.test_error.mean - b.test_error.mean)[0];
    this.#setState("done", `Done: ${summary[0]?.rounds ?? 0} round(s) per configuration. Lowest test error: ${CONFIG_LABELS[best?.name] ?? "—"} (${best?.test_error.mean.toFixed(1)} %).`);
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
    this.#curves = {};
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
