// Live prediction: keeps the shown prediction in step with the drawings, one request at
// a time. Every change asks for a prediction at the next animation frame; while one is in
// the worker no other is sent, and when it comes back the latest drawings go next. So the
// worker is never flooded, and the last picture (the one at pointer release, or after a
// clear) is always the one that ends up shown. A request carries only the drawings that
// changed since the worker last got them: it keeps the other one, already preprocessed.
//
// Performance measure "twinnet:release-to-verdict": pointer release → its verdict painted
// (detail.workerMs: the prediction's time in the worker; detail.sentMs: release → request
// sent; detail.answeredMs: release → answer back on the page; detail.shownMs: release →
// DOM updated, before the frame that paints it).
//
// Evidence maps follow a verdict, never delay it: once the shown prediction is of the
// drawings as they are and no stroke has been under way for EVIDENCE_PAUSE_MS, the worker is
// asked for the maps of the drawings it holds; a change to a pad takes the maps away (and
// cancels a request not yet sent), and maps that come back for drawings changed meanwhile
// are dropped. The pause keeps the maps' forward passes (a few ms in the worker) out of the
// way of the next stroke's verdict while a person is still drawing.
//
// Screen readers hear only final verdicts: the answer to the drawings at a pointer release
// or after a clear goes to ResultsView.announce (a polite live region); the answers while a
// stroke is being drawn are only shown, and a new stroke cancels an announcement not yet made.

/** How long the drawings must stay as they are before their evidence maps are asked for. */
const EVIDENCE_PAUSE_MS = 250;

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Keeps the shown prediction in step with the drawings, one request at a time. */
export class LivePrediction {
  ready = false;
  #pads;
  #wanted = false; // the drawings changed since the last request
  #inFlight = false;
  #frame = 0;
  #clears = 0; // results of requests sent before a clear are stale
  #sent = { a: null, b: null }; // the pad versions the worker has (null: unknown)
  #releasedAt = null; // the last pointer release, until its verdict is painted
  #finalAt = null; // the last release or clear, until its verdict is announced
  #explanations = 0; // evidence requests made; an answer to an older one is stale
  #evidenceShown = false;
  #evidenceTimer = 0;

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
    this.#finalAt = null; // drawing again: what was pending is no longer the final picture
    this.#forgetEvidence();
    this.#wanted = true;
    this.#frame ||= requestAnimationFrame(() => {
      this.#frame = 0;
      this.#send();
    });
  }

  /** A stroke ended: predict now, not a frame later (or as soon as the worker is free). */
  released() {
    this.#forgetEvidence();
    this.#releasedAt = performance.now();
    this.#finalAt = this.#releasedAt;
    this.#wanted = true;
    this.#send();
  }

  cleared() {
    this.#clears++;
    this.#releasedAt = null;
    this.changed();
    this.#finalAt = performance.now();
  }

  async #send() {
    if (!this.#wanted || this.#inFlight || !this.ready) return;
    this.#wanted = false;
    this.#inFlight = true;
    const sentAt = performance.now();
    const clears = this.#clears;
    // Only the drawings that changed since the worker last got them (it keeps the others).
    const request = { format: "rgba" };
    const transfer = [];
    for (const side of ["a", "b"]) {
      const pad = this.#pads[side];
      if (pad.version === this.#sent[side]) continue;
      request[side] = pad.pixels();
      transfer.push(request[side].buffer);
      this.#sent[side] = pad.version;
    }
    try {
      const { result, ms } = await this.#client.request("predict", request, { transfer });
      if (clears === this.#clears) await this.#paint(result, { workerMs: ms, sentAt, answeredAt: performance.now() });
    } catch (e) {
      this.#failed(e);
    } finally {
      this.#inFlight = false;
    }
    // Changes came in meanwhile: after a release they go at once, while drawing at the next frame.
    if (this.#wanted) {
      if (this.#releasedAt !== null) this.#send();
      else this.changed();
    } else if (clears === this.#clears && !this.#pads.a.drawing && !this.#pads.b.drawing) {
      clearTimeout(this.#evidenceTimer);
      this.#evidenceTimer = setTimeout(() => this.#explain(), EVIDENCE_PAUSE_MS);
    }
  }

  /** Asks for the evidence maps of the drawings the worker holds and shows them if still current. */
  async #explain() {
    const ticket = ++this.#explanations;
    try {
      const { result } = await this.#client.request("evidence");
      if (ticket !== this.#explanations || this.#wanted) return;
      this.#results.showEvidence(result);
      this.#evidenceShown = true;
    } catch (e) {
      if (ticket === this.#explanations) this.#failed(e);
    }
  }

  /** The drawings changed: maps made or being made are of drawings no longer shown. */
  #forgetEvidence() {
    clearTimeout(this.#evidenceTimer);
    this.#explanations++;
    if (!this.#evidenceShown) return;
    this.#evidenceShown = false;
    this.#results.showEvidence(null);
  }

  async #paint(prediction, { workerMs, sentAt, answeredAt }) {
    this.#results.show(prediction);
    this.#listeners.onTiming?.(workerMs);
    if (this.#finalAt !== null && sentAt >= this.#finalAt) {
      this.#finalAt = null;
      this.#results.announce(prediction);
    }
    const releasedAt = this.#releasedAt;
    if (releasedAt === null || sentAt < releasedAt) return;
    this.#releasedAt = null;
    const detail = {
      workerMs,
      sentMs: sentAt - releasedAt,
      answeredMs: answeredAt - releasedAt,
      shownMs: performance.now() - releasedAt,
    };
    await nextFrame();
    performance.measure("twinnet:release-to-verdict", { start: releasedAt, end: performance.now(), detail });
  }

  #failed(error) {
    // The worker may hold neither drawing now (replaced, or one side refused): send both.
    this.#sent = { a: null, b: null };
    if (error.fatal) this.ready = false;
    this.#listeners.onError?.(error);
  }
}
