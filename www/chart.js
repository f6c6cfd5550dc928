// A small line chart on a canvas: axes with round-number ticks, lines (solid or dashed),
// optional ±std bands, and an HTML legend beside it. Sharp at any devicePixelRatio and
// redrawn when its box changes size. Hand-written so the page loads nothing from
// anywhere else; it draws what it is given and knows nothing of training.
//
//   const chart = new LineChart(canvas, legendList, {yLabel: "loss"});
//   chart.setSeries([{label, color, dash: [6, 4]?, points: [{x, y, std?}]}], {xMax: 25});

const FONT_PX = 11;
const PAD = { left: 44, right: 10, top: 10, bottom: 30 };

/** About `count` round-number ticks covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const first = Math.ceil(lo / step - 1e-9) * step;
  const ticks = [];
  for (let t = first; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return { ticks, step };
}

function formatTick(value, step) {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(Math.min(decimals, 4));
}

export class LineChart {
  #canvas;
  #legend;
  #yLabel;
  #xLabel;
  #series = [];
  #xMax = 1;
  #yMin;
  #label = null;

  /**
   * @param {HTMLCanvasElement} canvas sized by CSS; its backing store follows devicePixelRatio
   * @param {HTMLElement | null} legend a list (ul/ol) the legend is written into
   * @param {{yLabel?: string, xLabel?: string, yMin?: number}} options yMin: lowest y shown (e.g. 0)
   */
  constructor(canvas, legend, { yLabel = "", xLabel = "epoch", yMin = 0 } = {}) {
    this.#canvas = canvas;
    this.#legend = legend;
    this.#yLabel = yLabel;
    this.#xLabel = xLabel;
    this.#yMin = yMin;
    new ResizeObserver(() => this.draw()).observe(canvas);
    matchMedia("(prefers-color-scheme: dark)").addEventListener?.("change", () => this.draw());
  }

  /**
   * @param {{label: string, legendLabel?: string, color: string, dash?: number[], legend?: false, points: {x: number, y: number, std?: number}[]}[]} series
   * @param {{xMax?: number}} options xMax: the x axis' end (e.g. the planned epochs), so it does not jump
   */
  setSeries(series, { xMax } = {}) {
    this.#series = series;
    const lastX = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.x)));
    this.#xMax = Math.max(xMax ?? 1, lastX);
    this.#writeLegend();
    this.#describe();
    this.draw();
  }

  /** The canvas' accessible name: its caption and each line's latest value. */
  #describe() {
    this.#label ??= this.#canvas.getAttribute("aria-label") ?? "";
    const latest = this.#series
      .map((s) => ({ label: s.label, last: s.points.findLast((p) => Number.isFinite(p.y)) }))
      .filter((s) => s.last)
      .map(({ label, last }) => `${label} ${last.y.toPrecision(3)} at ${this.#xLabel} ${last.x}`);
    this.#canvas.setAttribute("aria-label", latest.length ? `${this.#label}. Latest: ${latest.join("; ")}.` : this.#label);
  }

  clear() {
    this.setSeries([]);
  }

  #writeLegend() {
    if (!this.#legend) return;
    this.#legend.replaceChildren(
      ...this.#series.filter((s) => s.legend !== false).map(({ label, legendLabel, color, dash }) => {
        const item = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.borderTopColor = color;
        swatch.style.borderTopStyle = dash ? "dashed" : "solid";
        swatch.setAttribute("aria-hidden", "true");
        item.append(swatch, legendLabel ?? label);
        return item;
      }),
    );
  }

  /** Redraws at the canvas' current size (called on resize and on new data). */
  draw() {
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return; // hidden: drawn when it shows
    const w = Math.round(width * ratio);
    const h = Math.round(height * ratio);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const style = getComputedStyle(canvas);
    const ink = style.color;
    const grid = style.getPropertyValue("--grid").trim() || "rgb(128 128 128 / 0.25)";
    ctx.font = `${FONT_PX}px ${style.fontFamily}`;

    const plot = { x: PAD.left, y: PAD.top, w: Math.max(10, width - PAD.left - PAD.right), h: Math.max(10, height - PAD.top - PAD.bottom) };
    const points = this.#series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y)));
    let yLo = Math.min(this.#yMin ?? Infinity, ...points.map((p) => p.y - (p.std ?? 0)));
    let yHi = Math.max(...points.map((p) => p.y + (p.std ?? 0)));
    if (!Number.isFinite(yLo)) yLo = 0;
    if (!Number.isFinite(yHi) || yHi <= yLo) yHi = yLo + 1;
    const yTicks = niceTicks(yLo, yHi, Math.max(2, Math.floor(plot.h / 28)));
    // The axis runs from tick to tick, so its ends are labelled.
    if (yTicks.ticks[0] > yLo + 1e-9) yTicks.ticks.unshift(Number((yTicks.ticks[0] - yTicks.step).toPrecision(12)));
    if (yTicks.ticks.at(-1) < yHi - 1e-9) yTicks.ticks.push(Number((yTicks.ticks.at(-1) + yTicks.step).toPrecision(12)));
    yLo = yTicks.ticks[0];
    yHi = yTicks.ticks.at(-1);
    const xTicks = niceTicks(0, this.#xMax, Math.max(2, Math.floor(plot.w / 48)));
    const xs = (x) => plot.x + (x / this.#xMax) * plot.w;
    const ys = (y) => plot.y + plot.h - ((y - yLo) / (yHi - yLo)) * plot.h;

    // Grid, ticks and labels.
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = ink;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yTicks.ticks) {
      const y = Math.round(ys(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(plot.x, y);
      ctx.lineTo(plot.x + plot.w, y);
      ctx.stroke();
      ctx.fillText(formatTick(t, yTicks.step), plot.x - 5, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xTicks.ticks.filter((t) => Number.isInteger(t))) {
      const x = Math.round(xs(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, plot.y + plot.h);
      ctx.lineTo(x, plot.y + plot.h + 4);
      ctx.strokeStyle = ink;
      ctx.stroke();
      ctx.fillText(String(t), x, plot.y + plot.h + 6);
    }
    ctx.strokeStyle = ink;
    ctx.beginPath();
    ctx.moveTo(plot.x + 0.5, plot.y);
    ctx.lineTo(plot.x + 0.5, plot.y + plot.h + 0.5);
    ctx.lineTo(plot.x + plot.w, plot.y + plot.h + 0.5);
    ctx.stroke();
    ctx.fillText(this.#xLabel, plot.x + plot.w / 2, plot.y + plot.h + 8 + FONT_PX);
    ctx.save();
    ctx.translate(11, plot.y + plot.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(this.#yLabel, 0, 0);
    ctx.restore();

    // Bands first, lines over them; clipped to the plot.
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.x, plot.y - 1, plot.w + 1, plot.h + 2);
    ctx.clip();
    for (const s of this.#series) {
      const pts = s.points.filter((p) => Number.isFinite(p.y) && Number.isFinite(p.std) && p.std > 0);
      if (pts.length < 2) continue;
      ctx.beginPath();
      pts.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, xs(p.x), ys(p.y + p.std)));
      for (const p of [...pts].reverse()) ctx.lineTo(xs(p.x), ys(p.y - p.std));
      ctx.closePath();
      ctx.globalAlpha = 0.16;
      ctx.fillStyle = s.color;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    for (const s of this.#series) {
      const pts = s.points.filter((p) => Number.isFinite(p.y));
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dash ?? []);
      ctx.beginPath();
      pts.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, xs(p.x), ys(p.y)));
      ctx.stroke();
      ctx.setLineDash([]);
      if (pts.length === 1) {
        ctx.beginPath();
        ctx.arc(xs(pts[0].x), ys(pts[0].y), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.restore();
  }
}
