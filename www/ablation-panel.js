// The ablation panel: R rounds × the four configurations in the trainer worker, filling
// a table like the publication's Table I (mean ± sample std over the rounds done so far)
// and Fig. 2-style mean curves with ±std bands. UI only: app.js runs the requests.
//
// Test hooks: #ablate-table data-state = idle | running | done | cancelled | error, one
// tr[data-config] per configuration (none, share, aux, share+aux) with
// data-test-error-mean, data-test-error-std (%) once it has a finished run.

import { LineChart } from "./chart.js";
import { FormFields } from "./form-fields.js";
import { RunControls } from "./run-controls.js";
import { DATA_MAX_PAIRS, validateAblation } from "./training-options.js";

export const CONFIGS = ["none", "share", "aux", "share+aux"];
const CONFIG_LABELS = { none: "no share / no aux", share: "share", aux: "aux", "share+aux": "share + aux" };
const CONFIG_COLORS = { none: "#6b7280", share: "#2f6fde", aux: "#d9822b", "share+aux": "#1b7f4b" };
/** Table columns: the run report's key, how to show it. */
const COLUMNS = [
  ["train_loss", (x) => x.toFixed(3)],
  ["test_loss", (x) => x.toFixed(3)],
  ["train_error", (x) => x.toFixed(1)],
  ["test_error", (x) => x.toFixed(1)],
  ["test_error_readout", (x) => x.toFixed(1)],
  ["seconds", (x) => x.toFixed(1)],
];

/** Mean and sample standard deviation (0 for one value), as the core's `Stat::of`. */
export function stat(values) {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

export class AblationPanel {
  onStart = () => {};
  onCancel = () => {};
  maxPairs = DATA_MAX_PAIRS;

  #fields;
  #controls;
  #status;
  #table;
  #rows = {};
  #lossChart;
  #errorChart;
  #plan = null; // {rounds, epochs, pairs, seed}
  #runs = {}; // config → RunReport[]
  #curves = {}; // config → round → EpochReport[]

  /** @param {Document} doc */
  constructor(doc) {
    this.#fields = new FormFields(doc, "ablate", ["rounds", "epochs", "pairs", "seed"]);
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

  #submit() {
    const { options, errors } = validateAblation(this.#fields.values(), { maxPairs: this.maxPairs });
    this.#fields.show(errors);
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

  /** `{config, round, run, runs, epoch: EpochReport}` from the worker. */
  epoch({ config, round, run, runs, epoch }) {
    const epochs = this.#plan.epochs;
    this.#controls.progress((run - 1) * epochs + epoch.epoch, runs * epochs);
    ((this.#curves[config] ??= {})[round] ??= []).push(epoch);
    this.#status.textContent = `Run ${run} of ${runs}: ${CONFIG_LABELS[config] ?? config}, epoch ${epoch.epoch} of ${epochs}.`;
    this.#drawLiveCurves();
  }

  /** `{config, round, run, runs, result: RunReport}`: one run finished. */
  run({ config, result }) {
    (this.#runs[config] ??= []).push({ ...result, seconds: result.elapsed_ms / 1000 });
    const runs = this.#runs[config];
    const summary = Object.fromEntries(COLUMNS.map(([key]) => [key, stat(runs.map((r) => r[key]))]));
    this.#fillRow(config, { ...summary, rounds: runs.length });
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
    this.#runs = {};
    this.#curves = {};
    for (const config of CONFIGS) this.#fillRow(config, null);
    this.#drawCurves({});
  }

  /** One configuration's row: `summary` has `{mean, std}` per column and `rounds`; null empties it. */
  #fillRow(config, summary) {
    const row = this.#rows[config];
    if (!row) return;
    for (const [key, format] of COLUMNS) {
      const cell = row.querySelector(`[data-col="${key}"]`);
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

  /** Mean curves over the rounds that reached each epoch, while the runs come in. */
  #drawLiveCurves() {
    const curves = {};
    for (const [config, rounds] of Object.entries(this.#curves)) {
      const series = Object.values(rounds);
      const longest = Math.max(...series.map((s) => s.length));
      const at = (key) =>
        Array.from({ length: longest }, (_, i) => stat(series.filter((s) => s.length > i).map((s) => s[i][key])));
      curves[config] = { train_loss: at("train_loss"), test_loss: at("test_loss"), test_error: at("test_error") };
    }
    this.#drawCurves(curves);
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
