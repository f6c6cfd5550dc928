// The result view: the verdict, each digit's ten probabilities and its 14×14 input.
// It only draws what the model said (a `Prediction` from src/predict.rs, via the worker)
// and keeps the test hooks up to date:
//   #verdict   data-state = empty | ready; when ready data-p-le, data-le
//   #probs-a/b data-probs (JSON array of 10), data-argmax; absent when that side is blank
//   #saliency-a/b the evidence map (src/evidence.rs): data-values (JSON array of 196, the
//              log-odds fall of the shown verdict per pixel, row-major; of the digit's class
//              when there is no verdict), data-target = verdict | digit (what data-values
//              explains), data-input (the 196 inputs explained), data-class and
//              data-digit-values (the winning class's map); all absent while that side is
//              blank or changed since the map was made
// and, for screen readers, a polite live region (#verdict-announcement) that says the
// verdict and each digit's winner when LivePrediction calls announce (final verdicts only).

const INPUT_SIDE = 14;
/** A probability in per cent to 0.1, never rounded to a certainty it does not have. */
function percent(p) {
  if (p > 0.999 && p < 1) return ">99.9 %";
  if (p < 0.001 && p > 0) return "<0.1 %";
  return `${(100 * p).toFixed(1)} %`;
}

/** Evidence colours (WCAG: at least 4.5:1 against the white paper at full strength). */
const FOR = [198, 40, 40];
const AGAINST = [31, 95, 191];
const PAPER = [255, 255, 255];
/** Inked pixels with no evidence: a light grey, so the digit's shape stays visible. */
const INK_TINT = 40;

/**
 * The RGBA pixels of an evidence map: red for evidence for, blue against, its strength the
 * square root of |value| over the map's largest; paper white, ink without evidence light grey.
 */
function evidencePixels(values, input) {
  const scale = Math.max(...values.map(Math.abs)) || 1;
  const data = new Uint8ClampedArray(4 * values.length);
  values.forEach((v, i) => {
    const ink = Math.min(1, Math.max(0, input[i]));
    const base = PAPER.map((c) => c - INK_TINT * ink);
    // Square root: weak evidence stays visible beside a few strong pixels.
    const t = Math.sqrt(Math.min(1, Math.abs(v) / scale));
    const hue = v >= 0 ? FOR : AGAINST;
    data.set([...base.map((c, k) => Math.round(c + (hue[k] - c) * t)), 255], 4 * i);
  });
  return data;
}

/** One digit's panel: the 14×14 preview, its evidence map and ten bars. */
class DigitPanel {
  #panel;
  #probs;
  #preview;
  #saliency;
  #title;
  #rows = [];

  /**
   * A panel from `template#digit-panel`, appended to `parent`.
   * @param {HTMLTemplateElement} template
   * @param {HTMLElement} parent
   * @param {"a" | "b"} side
   * @param {string} title "first digit" or "second digit"
   */
  constructor(template, parent, side, title) {
    const panel = template.content.firstElementChild.cloneNode(true);
    panel.id = `digit-${side}`;
    panel.querySelector("[data-title]").textContent = title;
    this.#panel = panel;
    this.#probs = panel.querySelector("[data-probs-list]");
    this.#probs.id = `probs-${side}`;
    this.#preview = panel.querySelector("canvas[data-preview]");
    this.#preview.id = `input-${side}`;
    this.#preview.setAttribute("aria-label", `The 14×14 input of the ${title}`);
    this.#saliency = panel.querySelector("canvas[data-saliency]");
    this.#saliency.id = `saliency-${side}`;
    this.#saliency.width = INPUT_SIDE;
    this.#saliency.height = INPUT_SIDE;
    this.#title = title;
    parent.append(panel);
    this.#preview.width = INPUT_SIDE;
    this.#preview.height = INPUT_SIDE;
    for (let digit = 0; digit < 10; digit++) {
      const row = document.createElement("li");
      const label = document.createElement("span");
      label.className = "digit";
      label.textContent = String(digit);
      const track = document.createElement("span");
      track.className = "track";
      const bar = document.createElement("span");
      bar.className = "bar";
      track.append(bar);
      const value = document.createElement("span");
      value.className = "value";
      row.append(label, track, value);
      this.#probs.append(row);
      this.#rows.push({ row, bar, value });
    }
    this.show(null);
  }

  /** @param {{input: number[], probs: number[], argmax: number} | null} view null = blank */
  show(view) {
    this.#panel.dataset.state = view ? "ready" : "empty";
    if (!view) {
      delete this.#probs.dataset.probs;
      delete this.#probs.dataset.argmax;
      for (const { row, bar, value } of this.#rows) {
        row.classList.remove("winner");
        bar.style.width = "0%";
        value.textContent = "";
      }
      this.#preview.getContext("2d").clearRect(0, 0, INPUT_SIDE, INPUT_SIDE);
      return;
    }
    this.#probs.dataset.probs = JSON.stringify(view.probs);
    this.#probs.dataset.argmax = String(view.argmax);
    view.probs.forEach((p, digit) => {
      const { row, bar, value } = this.#rows[digit];
      row.classList.toggle("winner", digit === view.argmax);
      bar.style.width = `${(100 * p).toFixed(2)}%`;
      value.textContent = percent(p);
    });
    this.#drawInput(view.input);
  }

  /**
   * Shows the digit's evidence map (a `DigitEvidence` from the worker; null: none, the
   * side is blank or changed); `explainDigit` picks the class map over the verdict's.
   */
  showEvidence(evidence, explainDigit) {
    const canvas = this.#saliency;
    const data = canvas.dataset;
    if (!evidence) {
      for (const key of ["values", "target", "input", "class", "digitValues"]) delete data[key];
      canvas.getContext("2d").clearRect(0, 0, INPUT_SIDE, INPUT_SIDE);
      canvas.setAttribute("aria-label", `Evidence map of the ${this.#title}: none yet`);
      return;
    }
    const target = evidence.verdict ? "verdict" : "digit";
    data.values = JSON.stringify(evidence.verdict ?? evidence.digit);
    data.target = target;
    data.input = JSON.stringify(evidence.input);
    data.class = String(evidence.class);
    data.digitValues = JSON.stringify(evidence.digit);
    const shown = explainDigit || !evidence.verdict ? evidence.digit : evidence.verdict;
    const what = shown === evidence.digit ? `its class ${evidence.class}` : "the verdict";
    canvas.setAttribute("aria-label", `Evidence map of the ${this.#title}: red pixels support ${what}, blue ones speak against it`);
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(INPUT_SIDE, INPUT_SIDE);
    image.data.set(evidencePixels(shown, evidence.input));
    ctx.putImageData(image, 0, 0);
  }

  /** The network's input, 0 = paper, 1 = ink, drawn like the pad (dark ink on light). */
  #drawInput(input) {
    const ctx = this.#preview.getContext("2d");
    const image = ctx.createImageData(INPUT_SIDE, INPUT_SIDE);
    input.forEach((ink, i) => {
      const level = Math.round(255 * (1 - Math.min(1, Math.max(0, ink))));
      image.data.set([level, level, level, 255], 4 * i);
    });
    ctx.putImageData(image, 0, 0);
  }
}

export class ResultsView {
  #verdict;
  #verdictText;
  #verdictDetail;
  #panels;
  #untrainedNotes;
  #announcement;
  #explainDigit;
  #evidenceTarget;
  #evidence = null;

  /** @param {Document} doc */
  constructor(doc) {
    this.#verdict = doc.getElementById("verdict");
    this.#announcement = doc.getElementById("verdict-announcement");
    this.#verdictText = this.#verdict.querySelector("[data-verdict-text]");
    this.#verdictDetail = this.#verdict.querySelector("[data-verdict-detail]");
    const template = doc.getElementById("digit-panel");
    this.#panels = {
      a: new DigitPanel(template, template.parentElement, "a", "first digit"),
      b: new DigitPanel(template, template.parentElement, "b", "second digit"),
    };
    this.#untrainedNotes = doc.querySelectorAll("[data-untrained-note]");
    this.#explainDigit = doc.getElementById("evidence-digit");
    this.#evidenceTarget = doc.querySelector("[data-evidence-target]");
    this.#explainDigit?.addEventListener("change", () => this.showEvidence(this.#evidence));
    this.clear();
  }

  /**
   * Shows both evidence maps (`{a, b}` from the worker, for the drawings shown); null
   * takes them away (the drawings changed since).
   */
  showEvidence(evidence) {
    this.#evidence = evidence;
    const digit = Boolean(this.#explainDigit?.checked);
    this.#panels.a.showEvidence(evidence?.a ?? null, digit);
    this.#panels.b.showEvidence(evidence?.b ?? null, digit);
    if (this.#evidenceTarget) this.#evidenceTarget.textContent = digit ? "each digit's class" : "the verdict";
  }

  /** Says whether the model's digit outputs were trained to classify digits (aux loss). */
  setModel({ aux }) {
    for (const note of this.#untrainedNotes) note.hidden = aux;
  }

  /** Nothing to judge: the hint, no verdict, no bars. */
  clear() {
    this.#showVerdict(null, false);
    this.#panels.a.show(null);
    this.#panels.b.show(null);
    this.showEvidence(null);
  }

  /** @param {object} prediction `{verdict, a, b, blank_a, blank_b, aux}` from the worker */
  show(prediction) {
    this.#panels.a.show(prediction.a);
    this.#panels.b.show(prediction.b);
    this.#showVerdict(prediction.verdict, prediction.aux, prediction);
  }

  /**
   * Says the verdict and each digit's winner in the live region: for a final verdict only
   * (after a pointer release or a clear), never for the frames of a stroke.
   * @param {object} prediction as for show()
   */
  announce(prediction) {
    if (!this.#announcement) return;
    const { verdict, aux } = prediction;
    const digit = (view, title) => {
      if (!view) return null;
      const winner = `${view.argmax}, ${percent(view.probs[view.argmax])}`;
      return aux ? `${title} read as ${winner}.` : `${title}: largest output ${winner} (not trained to name digits).`;
    };
    const parts = [];
    if (verdict) parts.push(`Verdict: first ${verdict.le ? "less than or equal to" : "greater than"} second, ${percent(verdict.le ? verdict.p_le : 1 - verdict.p_le)}.`);
    parts.push(digit(prediction.a, "First digit"), digit(prediction.b, "Second digit"));
    if (!verdict) parts.push(this.#verdictText.textContent);
    this.#announcement.textContent = parts.filter(Boolean).join(" ");
  }

  #showVerdict(verdict, aux, prediction) {
    const el = this.#verdict;
    if (!verdict) {
      el.dataset.state = "empty";
      delete el.dataset.pLe;
      delete el.dataset.le;
      const missing = prediction && !(prediction.blank_a && prediction.blank_b)
        ? `Now draw the ${prediction.blank_a ? "first" : "second"} digit.`
        : "Draw a digit in each box.";
      this.#verdictText.textContent = missing;
      this.#verdictDetail.textContent = "";
      return;
    }
    el.dataset.state = "ready";
    el.dataset.pLe = String(verdict.p_le);
    el.dataset.le = String(verdict.le);
    const shown = verdict.le ? verdict.p_le : 1 - verdict.p_le;
    this.#verdictText.textContent = `first ${verdict.le ? "≤" : ">"} second · ${percent(shown)}`;
    const source = aux ? "digit readout" : "comparison head";
    this.#verdictDetail.textContent =
      `P(first ≤ second): ${percent(verdict.p_le)} from the ${source} ` +
      `(readout ${percent(verdict.p_le_readout)}, head ${percent(verdict.p_le_head)})`;
  }
}
