// Live prediction: keeps the shown prediction in step with the drawings, one request at
// a time. Every change asks for a prediction at the next animation frame; while one is in
// the worker no other is sent, and when it comes back the latest drawings go next. So the
// worker is never flooded, and the last picture (the one at pointer release, or after a
// clear) is always the one that ends up shown.
//
// Performance measure "twinnet:release-to-verdict": pointer release → its verdict painted
// (detail.workerMs: the prediction's time in the worker; detail.shownMs: release → DOM
// updated, before the frame that paints it).

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Keeps the shown prediction in step with the drawings, one request at a time. */
export class LivePrediction {
  ready = false;
  #pads;
  #wanted = false; // the drawings changed since the last request
  #inFlight = false;
  #frame = 0;
  #clears = 0; // results of requests sent before a clear are stale
  #releasedAt = null; // the last pointer release, until its verdict is painted

  #client;
  #results;
  #listeners;

  /**
   * @param {import("./model-client.js").ModelClient} client the predictor
   * @param {import("./results.js").ResultsView} results
   * @param {{onTiming?: (workerMs: number) => void, onError?: (error: Error) => void}} listeners
   *   onError: a prediction failed (error.fatal: the worker was replaced and needs its model again)
   */
  constructor(client, results, listeners = {}) {
    this.#client = client;
    this.#results = results;
    this.#listeners = listeners;
  }

  /** @param {{a: DrawingPad, b: DrawingPad}} pads */
  setPads(pads) {
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
      const { result, ms } = await this.#client.request("predict", { format: "rgba", a, b }, { transfer: [a.buffer, b.buffer] });
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
    this.#results.show(prediction);
    this.#listeners.onTiming?.(workerMs);
    const releasedAt = this.#releasedAt;
    if (releasedAt === null || sentAt < releasedAt) return;
    this.#releasedAt = null;
    const shownMs = performance.now() - releasedAt;
    await nextFrame();
    performance.measure("twinnet:release-to-verdict", { start: releasedAt, end: performance.now(), detail: { workerMs, shownMs } });
  }

  #failed(error) {
    if (error.fatal) this.ready = false;
    this.#listeners.onError?.(error);
  }
}
