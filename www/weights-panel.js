// Weights in and out: download the drawing model as .safetensors, upload one, reset to
// the pretrained model. UI only; app.js says what each button does.
//
// Test hooks: button#weights-download, input#weights-upload (type file),
// button#weights-reset; #weights-message data-state = idle | busy | ok | error.

import { saveFile } from "./save-file.js";

/** Files larger than this are not even read (the loader refuses over 16 MB anyway). */
const MAX_READ_BYTES = 64 * 1024 * 1024;

export class WeightsPanel {
  /** @type {() => Promise<{bytes: ArrayBuffer, fileName: string}>} */
  onDownload = async () => {
    throw new Error("not ready");
  };
  /** @type {(bytes: ArrayBuffer, fileName: string) => Promise<string>} resolves with a message */
  onUpload = async () => "";
  /** @type {() => Promise<string>} */
  onReset = async () => "";

  #download;
  #upload;
  #reset;
  #message;
  #current;

  /** @param {Document} doc */
  constructor(doc) {
    this.#download = doc.getElementById("weights-download");
    this.#upload = doc.getElementById("weights-upload");
    this.#reset = doc.getElementById("weights-reset");
    this.#message = doc.getElementById("weights-message");
    this.#current = doc.getElementById("weights-current");
    this.#download.addEventListener("click", () => this.#run(() => this.#save()));
    this.#upload.addEventListener("change", () => {
      const file = this.#upload.files?.[0];
      this.#upload.value = ""; // the same file can be chosen again
      if (file) this.#run(() => this.#read(file));
    });
    this.#reset.addEventListener("click", () => this.#run(() => this.onReset()));
    this.say("idle", "");
  }

  /** Describes the drawing model (its name, source and file name). */
  describe(text) {
    this.#current.textContent = text;
  }

  say(state, text) {
    this.#message.dataset.state = state;
    this.#message.textContent = text;
  }

  async #run(action) {
    this.say("busy", "Working…");
    for (const el of [this.#download, this.#upload, this.#reset]) el.disabled = true;
    try {
      this.say("ok", (await action()) ?? "");
    } catch (e) {
      this.say("error", e.message);
    } finally {
      for (const el of [this.#download, this.#upload, this.#reset]) el.disabled = false;
    }
  }

  async #save() {
    const { bytes, fileName } = await this.onDownload();
    saveFile(bytes, fileName, "application/octet-stream");
    return `Saved ${fileName} (${bytes.byteLength.toLocaleString("en")} bytes).`;
  }

  async #read(file) {
    if (file.size > MAX_READ_BYTES) {
      throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(0)} MB; a TwinNet weights file is about 40 KB (at most 16 MB). The current model is kept.`);
    }
    return this.onUpload(await file.arrayBuffer(), file.name);
  }
}
