// The page: two drawing pads, the model's status and the results. UI only: the model
// lives in the worker (worker.js), reached through ModelClient; the page never waits on it.
//
// Live prediction: every change asks for a prediction at the next animation frame;
// while one is in the worker no other is sent, and when it comes back the latest
// drawings go next. So the worker is never flooded, and the last picture (the one at
// pointer release, or after a clear) is always the one that ends up shown.
//
// Timings for tests and curious people (Performance API):
//   mark    "twinnet:ready"                  when the model is ready (since navigation)
//   measure "twinnet:release-to-verdict"     pointer release → its verdict painted
//           (detail.workerMs: the prediction's time in the worker; detail.shownMs:
//           release → DOM updated, before the frame that paints it)

import { DrawingPad } from "./draw.js";
import { ModelClient } from "./model-client.js";
import { ResultsView } from "./results.js";

const WEIGHTS_URL = new URL("twinnet.safetensors", document.baseURI);

const statusEl = document.getElementById("model-status");
const timingEl = document.getElementById("timing");
const results = new ResultsView(document);
const client = new ModelClient(new URL("worker.js", import.meta.url));

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Keeps the shown prediction in step with the drawings, one request at a time. */
class LivePrediction {
  ready = false;
  #pads;
  #wanted = false; // the drawings changed since the last request
  #inFlight = false;
  #frame = 0;
  #clears = 0; // results of requests sent before a clear are stale
  #releasedAt = null; // the last pointer release, until its verdict is painted

  /** @param {{a: DrawingPad, b: DrawingPad}} pads */
  constructor(pads) {
    this.#pads = pads;
  }

  /** The drawings changed: predict at the next animation frame. */
  changed() {
    this.#wanted = true;
    this.#frame ||= requestAnimationFrame(() => {
      this.#frame = 0;
      this.#send();
    });
  }

  /** A stroke ended: predict now, not a frame later (or as soon as the worker is free). */
  released() {
    this.#releasedAt = performance.now();
    this.#wanted = true;
    this.#send();
  }

  cleared() {
    this.#clears++;
    this.#releasedAt = null;
    this.changed();
  }

  async #send() {
    if (!this.#wanted || this.#inFlight || !this.ready) return;
    this.#wanted = false;
    this.#inFlight = true;
    const sentAt = performance.now();
    const clears = this.#clears;
    const a = this.#pads.a.pixels();
    const b = this.#pads.b.pixels();
    try {
      const { result, ms } = await client.request("predict", { format: "rgba", a, b }, { transfer: [a.buffer, b.buffer] });
      if (clears === this.#clears) await this.#paint(result, ms, sentAt);
    } catch (e) {
      this.#failed(e);
    } finally {
      this.#inFlight = false;
    }
    // Changes came in meanwhile: after a release they go at once, while drawing at the next frame.
    if (this.#wanted) {
      if (this.#releasedAt !== null) this.#send();
      else this.changed();
    }
  }

  async #paint(prediction, workerMs, sentAt) {
    results.show(prediction);
    timingEl.textContent = `Last prediction took ${workerMs.toFixed(1)} ms in the worker.`;
    const releasedAt = this.#releasedAt;
    if (releasedAt === null || sentAt < releasedAt) return;
    this.#releasedAt = null;
    const shownMs = performance.now() - releasedAt;
    await nextFrame();
    performance.measure("twinnet:release-to-verdict", { start: releasedAt, end: performance.now(), detail: { workerMs, shownMs } });
  }

  #failed(error) {
    if (error.fatal) {
      // The worker was replaced (see ModelClient); bring the model back.
      this.ready = false;
      setStatus("error", `${error.message}…`);
      loadModel();
    } else {
      setStatus("error", `Prediction failed: ${error.message}`);
    }
  }
}

// The pads call `live` only on user input, after it exists.
const pad = (side) =>
  new DrawingPad(document.getElementById(`canvas-${side}`), {
    onDraw: () => live.changed(),
    onRelease: () => live.released(),
    onClear: () => live.cleared(),
  });
const pads = { a: pad("a"), b: pad("b") };
const live = new LivePrediction(pads);
for (const side of ["a", "b"]) {
  document.getElementById(`clear-${side}`).addEventListener("click", () => pads[side].clear());
}

async function loadModel() {
  setStatus("loading", "Loading the model…");
  try {
    const { result } = await client.request("load", { url: WEIGHTS_URL.href });
    const { model, bytes } = result;
    results.setModel(model);
    live.ready = true;
    setStatus(
      "ready",
      `Model ready: ${model.name} TwinNet, ${model.parameters.toLocaleString("en")} parameters, ${Math.round(bytes / 1024)} KB.`,
    );
    performance.mark("twinnet:ready");
    live.changed(); // whatever was drawn while loading
  } catch (e) {
    setStatus("error", `Could not load the model: ${e.message}`);
  }
}

loadModel();
