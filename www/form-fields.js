// A form's fields and the messages beside them: each input `#<prefix>-<name>` has a
// message element `#<prefix>-<name>-msg` (named by its aria-describedby), shown with
// aria-invalid when the field's value is refused.

export class FormFields {
  #inputs;

  /**
   * @param {Document} doc
   * @param {string} prefix "opt" or "ablate"
   * @param {string[]} names the fields, e.g. ["epochs", "pairs"]
   */
  constructor(doc, prefix, names) {
    this.#inputs = Object.fromEntries(names.map((name) => [name, doc.getElementById(`${prefix}-${name}`)]));
    for (const input of Object.values(this.#inputs)) {
      // Editing a refused field clears its message; it is checked again at the next start.
      input.addEventListener("input", () => this.#mark(input, null));
    }
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
