// The training-data panel: the embedded digits, or the standard MNIST files picked or dropped
// here. UI only: app.js hands the files to the trainer (worker.js `useData`), whose core
// checks them (src/data/standard_set.rs), and keeps them in IndexedDB.
//
// Test hooks: input#data-upload (type file, multiple); #data-status[data-state] = embedded |
// loading | ready | error, when ready with data-train-images and data-test-images;
// button#data-reset.

export class DataPanel {
  /** Called with the chosen files ([File]). */
  onFiles = () => {};
  /** Called when the person goes back to the embedded digits. */
  onReset = () => {};

  #status;
  #upload;
  #reset;

  /** @param {Document} doc */
  constructor(doc) {
    this.#status = doc.getElementById("data-status");
    this.#upload = doc.getElementById("data-upload");
    this.#reset = doc.getElementById("data-reset");
    this.#upload.addEventListener("change", () => {
      const files = [...this.#upload.files];
      this.#upload.value = ""; // the same files again are a new choice
      if (files.length > 0) this.onFiles(files);
    });
    this.#reset.addEventListener("click", () => this.onReset());
    const zone = doc.getElementById("data");
    zone.addEventListener("dragover", (e) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      zone.classList.add("dropping");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dropping"));
    zone.addEventListener("drop", (e) => {
      zone.classList.remove("dropping");
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      e.preventDefault();
      this.onFiles(files);
    });
  }

  /** The files are being read and checked. */
  loading(count) {
    this.#set("loading", `Reading and checking ${count} file${count === 1 ? "" : "s"}…`);
  }

  /** The standard set is in use: `{trainImages, testImages, maxPairs}` from the trainer. */
  ready({ trainImages, testImages, maxPairs }, names) {
    this.#set(
      "ready",
      `Training and the ablation use the standard MNIST files (${names.join(", ")}): ` +
        `training pairs from ${trainImages.toLocaleString("en")} images, test pairs from ` +
        `${testImages.toLocaleString("en")}, at most ${maxPairs.toLocaleString("en")} pairs.`,
    );
    this.#status.dataset.trainImages = String(trainImages);
    this.#status.dataset.testImages = String(testImages);
    this.#reset.disabled = false;
  }

  /** Back on the embedded digits (`note`: why, if not asked). */
  embedded(note = "") {
    this.#set("embedded", `Training and the ablation use the 10,000 embedded MNIST digits, split into two halves (training and test pairs).${note ? ` ${note}` : ""}`);
    this.#reset.disabled = true;
  }

  /** The files were refused; `kept` says what is still in use. */
  refused(message, kept) {
    this.#set("error", `Not used: ${message}. ${kept}`);
  }

  #set(state, text) {
    this.#status.dataset.state = state;
    delete this.#status.dataset.trainImages;
    delete this.#status.dataset.testImages;
    this.#status.textContent = text;
  }
}
