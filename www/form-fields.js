// A form's fields and the messages beside them: each input `#<prefix>-<name>` has a
// message element `#<prefix>-<name>-msg` (named by its aria-describedby), shown with
// aria-invalid when the field's value is refused. The fields' ranges, first values and
// the hints that quote them (`[data-limit]` in the form) come from the core's limits.

import { pairsMax } from "./training-options.js";

export class FormFields {
  #inputs;
  #form;
  #validate;
  #defaulted = false;
  /** A promise of the core's limits (see `useLimits`); pending until the page has them. */
  #limits = new Promise(() => {});
  /** What the training digits give, once a worker has said so. */
  #maxPairs;

  /**
   * @param {Document} doc
   * @param {string} prefix "opt" or "ablate"
   * @param {string[]} names the fields, e.g. ["epochs", "pairs"]
   * @param {(raw: object, limits: object, data: {maxPairs?: number}) => {options: object|null, errors: object}} validate
   *   the form's check (`validateTraining` or `validateAblation`)
   */
  constructor(doc, prefix, names, validate) {
    this.#validate = validate;
    this.#inputs = Object.fromEntries(names.map((name) => [name, doc.getElementById(`${prefix}-${name}`)]));
    this.#form = Object.values(this.#inputs)[0].form;
    for (const input of Object.values(this.#inputs)) {
      // Editing a refused field clears its message; it is checked again at the next start.
      input.addEventListener("input", () => this.#mark(input, null));
    }
  }

  /** The core's limits (a promise of them): the fields' ranges, first values and checks. */
  useLimits(limits) {
    this.#limits = limits;
    limits.then((l) => this.#setLimits(l)).catch(() => {});
  }

  /** The training digits give at most `maxPairs` pairs (a worker said so). */
  setMaxPairs(maxPairs) {
    this.#maxPairs = maxPairs;
    this.#limits.then((l) => this.#setLimits(l)).catch(() => {});
  }

  /**
   * Checks the values against the core's limits (waiting for them if need be): the
   * options to start with, or null with the messages shown beside the refused fields.
   */
  async check() {
    const limits = await this.#limits;
    const { options, errors } = this.#validate(this.values(), limits, { maxPairs: this.#maxPairs });
    this.show(errors);
    return options;
  }

  /** The raw values: booleans for checkboxes, strings otherwise. */
  values() {
    return Object.fromEntries(Object.entries(this.#inputs).map(([name, input]) => [name, input.type === "checkbox" ? input.checked : input.value]));
  }

  /** Shows `errors` ({name: message}) beside their fields, clears the others; focuses the first refused one. */
  show(errors, { focus = true } = {}) {
    let first = null;
    for (const [name, input] of Object.entries(this.#inputs)) {
      const message = errors[name] ?? null;
      this.#mark(input, message);
      if (message && !first) first = input;
    }
    if (focus) first?.focus();
  }

  /**
   * Takes the core's limits (`limits()` of the facade): each field's range, the hints that
   * quote them, and, the first time, the core's default where the page has no value of
   * its own. The pairs' range also follows what the data gives, once the page knows it.
   * @param {import("./training-options.js").Limits} limits
   */
  #setLimits(limits) {
    const ranges = { ...limits, pairs: { min: limits.pairs.min, max: pairsMax(limits, this.#maxPairs) }, batch: { min: limits.min_batch } };
    for (const [name, input] of Object.entries(this.#inputs)) {
      const range = ranges[name];
      if (range?.min !== undefined) input.min = String(range.min);
      if (range?.max !== undefined && name !== "seed") input.max = String(range.max);
      if (name === "lr") input.max = String(limits.max_lr);
      if (this.#defaulted || !(name in limits.defaults)) continue;
      if (input.type === "checkbox") input.checked = limits.defaults[name];
      else if (input.value === "") input.value = String(limits.defaults[name]);
    }
    this.#defaulted = true;
    for (const hint of this.#form.querySelectorAll("[data-limit]")) {
      const value = ranges[hint.dataset.limit];
      hint.textContent = typeof value === "object" ? `${value.min}–${value.max}` : String(value);
    }
  }

  /** Enables or disables every field. */
  setDisabled(disabled) {
    for (const input of Object.values(this.#inputs)) input.disabled = disabled;
  }

  #mark(input, message) {
    const box = document.getElementById(`${input.id}-msg`);
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    if (box) {
      box.textContent = message ?? "";
      box.hidden = !message;
    }
  }
}
