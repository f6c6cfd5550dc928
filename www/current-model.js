// The drawing model: which one it is (the shipped pretrained model, one trained here, or
// an uploaded file), its bytes, and keeping it. The predictor (predictor.js) holds the
// model itself; this decides what it holds, stores it (store.js) and brings it back after
// a reload or a crash of the predictor's module.
//
// A model only becomes current after the predictor accepted its bytes: the predictor
// replaces its model only once `new Model(bytes)` succeeded, so a bad file leaves the
// model that was there. The page is told first, the store after: a store that fails
// (private windows, a full disk) is a note, never a page that shows another model.
// Tabs share the store, so a tab that changed it tells the others (BroadcastChannel
// "twinnet-model", the record itself), which follow.

import { ModelStore } from "./store.js";

/**
 * @typedef {{source: "pretrained" | "trained" | "uploaded", info: object, bytes?: ArrayBuffer,
 *   options?: object, metrics?: object, epochs?: object[], fileName?: string, savedAt?: number}} ModelRecord
 */

export class CurrentModel {
  /** @type {ModelRecord | null} */
  record = null;
  /** Called with the record whenever the predictor has a new model. */
  onChange = () => {};
  /** Called with the record when another tab changed the stored model and this one followed. */
  onFollow = () => {};

  #predictor;
  #pretrainedUrl;
  #store;
  #channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("twinnet-model") : null;

  /**
   * @param {import("./predictor.js").Predictor} predictor
   * @param {URL} pretrainedUrl the shipped weights
   * @param {typeof ModelStore} store
   */
  constructor(predictor, pretrainedUrl, store = ModelStore) {
    this.#predictor = predictor;
    this.#pretrainedUrl = pretrainedUrl;
    this.#store = store;
    this.#channel?.addEventListener("message", (event) => this.#follow(event.data));
  }

  /**
   * The model of the last visit if one was stored, else the pretrained one.
   * @returns {Promise<{restored: ModelRecord | null, problem: string | null}>} problem: why a stored model was not used
   */
  async start() {
    let stored = null;
    let problem = null;
    try {
      stored = await this.#store.load();
    } catch (e) {
      problem = `the stored model could not be read (${e.message})`;
    }
    if (stored) {
      try {
        await this.#use(stored);
        return { restored: stored, problem: null };
      } catch (e) {
        problem = `the stored model did not load (${e.message}); it was removed`;
        await this.#store.clear().catch(() => {});
      }
    }
    await this.reset({ clearStore: false });
    return { restored: null, problem };
  }

  /**
   * Makes `record` (with bytes) the drawing model and stores it. Rejects with the loader's
   * message if the predictor refuses the bytes; the current model then stays.
   * @param {ModelRecord} record
   */
  async adopt(record) {
    const next = await this.#use(record);
    return this.#stored(() => this.#store.save(next), next);
  }

  /**
   * Back to the shipped pretrained model; forgets the stored one (unless `clearStore` is
   * false). Resolves with `{stored, problem}` like `adopt`: whether the store forgot it.
   */
  async reset({ clearStore = true } = {}) {
    const result = await this.#predictor.load({ url: this.#pretrainedUrl.href });
    this.record = { source: "pretrained", info: result.model, size: result.bytes };
    this.onChange(this.record);
    if (!clearStore) return { stored: true };
    return this.#stored(() => this.#store.clear(), { source: "pretrained" });
  }

  /** Runs a change of the store; tells the other tabs (`message`) once it is made. */
  async #stored(change, message) {
    try {
      await change();
    } catch (e) {
      return { stored: false, problem: e.message };
    }
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A record that cannot be cloned: the other tabs see the change at their next load.
    }
    return { stored: true };
  }

  /** Another tab changed the stored model to `record` (bytes, or the pretrained one): use it too. */
  async #follow(record) {
    try {
      if (record?.bytes) await this.#use(record);
      else await this.reset({ clearStore: false });
      this.onFollow(this.record);
    } catch {
      // That tab's model does not load here: this tab keeps its own.
    }
  }

  /** The predictor's module was restarted (after a crash): give it the last good model again. */
  async reload() {
    if (this.record?.bytes) await this.#use(this.record);
    else await this.reset({ clearStore: false });
  }

  /** The current model's file: its bytes and a name like `twinnet-share+aux-seed1000.safetensors`. */
  async file() {
    const record = this.record;
    if (!record) throw new Error("no model loaded yet");
    let bytes = record.bytes;
    if (!bytes) {
      const response = await fetch(this.#pretrainedUrl);
      if (!response.ok) throw new Error(`could not fetch the pretrained weights: HTTP ${response.status}`);
      bytes = await response.arrayBuffer();
    }
    return { bytes, fileName: fileNameOf(record) };
  }

  /** Loads the record's bytes into the predictor (a copy: the record keeps its own). */
  async #use(record) {
    let result;
    try {
      result = await this.#predictor.load({ bytes: record.bytes.slice(0) });
    } catch (e) {
      // The predictor crashed on these bytes and was restarted empty: give it the last good model.
      if (e.fatal && this.record && record !== this.record) await this.reload().catch(() => {});
      throw e;
    }
    this.record = { ...record, info: result.model, size: result.bytes };
    this.onChange(this.record);
    return this.record;
  }
}

/** `twinnet-<config>-seed<S>.safetensors` for a trained model; the others say what they are. */
export function fileNameOf(record) {
  const config = record.info?.name ?? "model";
  if (record.source === "trained" && record.options) return `twinnet-${config}-seed${record.options.seed}.safetensors`;
  if (record.source === "uploaded" && record.fileName) return record.fileName;
  return `twinnet-${config}-${record.source}.safetensors`;
}
