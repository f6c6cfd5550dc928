// What a panel that starts a run in the trainer has in common: a form whose submit
// starts it (`#<prefix>-form`, `button#<prefix>-start`), a Cancel button
// (`#<prefix>-cancel`), a progress bar (`progress#<prefix>-progress`), and the rule that
// one job at a time holds the trainer: while another panel's run goes on, Start is
// disabled ("blocked"); while its own goes on, the fields are.

export class RunControls {
  running = false;
  #blocked = false;
  #form;
  #start;
  #cancel;
  #progress;
  #fields;
  #blockedReason;

  /**
   * @param {Document} doc
   * @param {string} prefix "train" or "ablate"
   * @param {import("./form-fields.js").FormFields} fields
   * @param {{onSubmit: () => void, onCancel: () => void, blockedReason: string}} handlers
   */
  constructor(doc, prefix, fields, { onSubmit, onCancel, blockedReason }) {
    this.#form = doc.getElementById(`${prefix}-form`);
    this.#start = doc.getElementById(`${prefix}-start`);
    this.#cancel = doc.getElementById(`${prefix}-cancel`);
    this.#progress = doc.getElementById(`${prefix}-progress`);
    this.#fields = fields;
    this.#blockedReason = blockedReason;
    this.#form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!this.running && !this.#blocked) onSubmit();
    });
    this.#cancel.addEventListener("click", () => onCancel());
    this.#update();
  }

  /** Another job holds the trainer (true) or let go of it (false). */
  setBlocked(blocked) {
    this.#blocked = blocked;
    this.#update();
  }

  /** A run started; the bar counts to `max`. */
  started(max) {
    const hadFocus = document.activeElement === this.#start || this.#form.contains(document.activeElement);
    this.running = true;
    this.progress(0, max);
    this.#update();
    if (hadFocus) this.#cancel.focus(); // keyboard users land on what they can do now
  }

  /** No measure of progress yet (the data is being fetched). */
  indeterminate() {
    this.#progress.removeAttribute("value");
  }

  progress(value, max = this.#progress.max) {
    this.#progress.max = max;
    this.#progress.value = value;
  }

  /** The run ended; `complete`: the bar shows it full, else as far as it got. */
  finished({ complete = false } = {}) {
    const hadFocus = document.activeElement === this.#cancel;
    this.running = false;
    if (complete) this.#progress.value = this.#progress.max;
    else if (!this.#progress.hasAttribute("value")) this.#progress.value = 0;
    this.#update();
    if (hadFocus) this.#start.focus();
  }

  #update() {
    this.#start.disabled = this.running || this.#blocked;
    this.#cancel.disabled = !this.running;
    this.#fields.setDisabled(this.running);
    this.#start.title = this.#blocked ? this.#blockedReason : "";
  }
}
