// The drawing model, on the page's main thread: the predictor module (www/pkg-predictor/,
// the crate built without training: candle's forward pass, preprocessing, evidence maps;
// see scripts/build-web.sh) and the model it holds. A prediction (preprocessing one
// drawing, one pair through the network) takes about a millisecond, so it runs right in
// the pointer-release handler and its verdict is painted in the next frame; no worker's
// answer has to wait for a frame. Training never happens here: it runs in workers on the
// trainer module (model-client.js, worker.js), fetched only when a run is asked for.
//
// A Rust panic aborts a wasm module for good. Then the call throws a PredictorError with
// `fatal`, and the predictor starts a fresh instance of the module (a new import of its
// glue), empty: the page gives it its model again (app.js, CurrentModel.reload).

const GLUE = "./pkg-predictor/twinnet.js";

/** A call the predictor refused (the core's message). `fatal`: the module crashed and was restarted empty. */
export class PredictorError extends Error {
  constructor(message, { fatal = false } = {}) {
    super(message);
    this.name = "PredictorError";
    this.fatal = fatal;
  }
}

async function fetchBytes(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${what} at ${url}: ${e.message}`);
  }
  if (!response.ok) throw new Error(`could not fetch ${what} at ${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

export class Predictor {
  /** The module once instantiated (null while it loads or after a crash). */
  #wasm = null;
  /** A promise of the module: the instance being started. */
  #starting;
  #instances = 0;
  #model = null;
  /** The two drawings, preprocessed, as the last predict left them (any model). */
  #drawings = null;

  constructor() {
    this.#starting = this.#start();
    this.#starting.catch(() => {}); // surfaces in the first call that needs it
  }

  async #start() {
    // A restart imports the glue anew (a fresh module record, so a fresh instance).
    const url = this.#instances++ === 0 ? GLUE : `${GLUE}?instance=${this.#instances}`;
    try {
      const module = await import(url);
      await module.default();
      this.#wasm = module;
      return module;
    } catch (e) {
      throw new Error(`could not start the WebAssembly module: ${e.message}`);
    }
  }

  /** The module, started (awaits it while it loads). */
  #module() {
    return this.#wasm ?? this.#starting;
  }

  /**
   * Runs `call(wasm)` now; a wasm trap (a panic) restarts the module and becomes a fatal
   * PredictorError carrying the panic's message; any other error keeps the core's message.
   */
  #guard(call) {
    const wasm = this.#wasm;
    if (!wasm) throw new PredictorError("the model is not loaded yet");
    try {
      return call(wasm);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        const panic = wasm.takePanicMessage?.() ?? e.message;
        this.#wasm = null;
        this.#model = null;
        this.#drawings = null;
        this.#starting = this.#start();
        this.#starting.catch(() => {});
        throw new PredictorError(`the model crashed (${panic}); it will be restarted`, { fatal: true });
      }
      throw new PredictorError(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Makes the model from a safetensors file (`{url}`) or its bytes (`{bytes}`, an
   * ArrayBuffer); the old model stays if these do not load. Resolves with `{model: info, bytes}`.
   */
  async load({ url, bytes }) {
    if (!url && !bytes) throw new PredictorError("load needs a url or the weights' bytes");
    const [, weights] = await Promise.all([this.#module(), bytes ? new Uint8Array(bytes) : fetchBytes(url, "the weights")]);
    return this.#guard((wasm) => {
      const next = new wasm.Model(weights);
      this.#model?.free();
      this.#model = next;
      return { model: next.info(), bytes: weights.byteLength };
    });
  }

  /** True once a model is loaded (and not lost in a crash). */
  get ready() {
    return this.#model !== null;
  }

  /**
   * Predicts, synchronously, on the drawings: `a`, `b` the square pixels (format `"rgba"`
   * or `"alpha"`) of those that changed since the last call (the others are kept).
   * Returns `{result, ms}`: the core's prediction and the time it took here.
   */
  predict({ format = "rgba", a, b }) {
    const t0 = performance.now();
    const result = this.#guard((wasm) => {
      if (!this.#model) throw new Error("no model loaded yet");
      this.#drawings ??= new wasm.Drawings();
      if (a) this.#drawings.set("a", a, format);
      if (b) this.#drawings.set("b", b, format);
      return this.#model.predict(this.#drawings);
    });
    return { result, ms: performance.now() - t0 };
  }

  /** The evidence maps of the drawings the last predict left: `{a, b}`, null for a blank side. */
  evidence() {
    return this.#guard((wasm) => {
      if (!this.#model) throw new Error("no model loaded yet");
      this.#drawings ??= new wasm.Drawings();
      return this.#model.evidence(this.#drawings);
    });
  }

  /** The settings' limits and defaults (the core's, `limits()` of the facade). */
  async limits() {
    await this.#module();
    return this.#guard((wasm) => wasm.limits());
  }
}
