// Live prediction: keeps the shown prediction in step with the drawings. The predictor
// (predictor.js) runs on this thread and answers at once, so a pointer release is
// predicted and painted in the release's own task: its verdict is in the next frame.
// While a stroke is being drawn, changes are predicted at most once per animation frame
// (the last picture of the frame). A call carries only the drawings that changed since
// the predictor last got them: it keeps the other one, already preprocessed.
//
// Performance measure "twinnet:release-to-verdict": pointer release → its verdict painted
// (the next frame after the DOM was updated; detail.workerMs: the prediction's time in the
// module; detail.sentMs: release → prediction started; detail.answeredMs: release →
// prediction done; detail.shownMs: release → DOM updated, before the frame that paints it).
//
// Evidence maps follow a verdict, never delay it: once the shown prediction is of the
// drawings as they are and no stroke has been under way for EVIDENCE_PAUSE_MS, the maps of
// the drawings the predictor holds are computed (a few ms: one batched forward pass per
// digit) and shown; a change to a pad takes the maps away and cancels maps not yet made.
// The pause keeps that work out of the way of the next stroke while a person is still
// drawing.
//
// Screen readers hear only final verdicts: the answer to the drawings at a pointer release
// or after a clear goes to ResultsView.announce (a polite live region); the answers while a
// stroke is being drawn are only shown, and a new stroke cancels an announcement not yet made.

/** How long the drawings must stay as they are before their evidence maps are asked for. */
const EVIDENCE_PAUSE_MS = 250;

/** Keeps the shown prediction in step with the drawings. */
export class LivePrediction {
  ready = false;
  #pads;
  #wanted = false; // the drawings changed since the last prediction
  #frame = 0;
  #sent = { a: null, b: null }; // the pad versions the predictor has (null: unknown)
  #releasedAt = null; // the last pointer release, until its verdict is painted
  #finalAt = null; // the last release or clear, until its verdict is announced
  #evidenceShown = false;
  #evidenceTimer = 0;

  #predictor;
  #results;
  #listeners;

  /**
   * @param {import("./predictor.js").Predictor} predictor
   * @param {import("./results.js").ResultsView} results
   * @param {{onTiming?: (ms: number) => void, onError?: (error: Error) => void}} listeners
   *   onError: a prediction failed (error.fatal: the module was restarted and needs its model again)
   */
  constructor(predictor, results, listeners = {}) {
    this.#predictor = predictor;
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

  /** A stroke ended: predict now, in this task, so that the verdict is in the next frame. */
  released() {
    this.#forgetEvidence();
    this.#releasedAt = performance.now();
    this.#finalAt = this.#releasedAt;
    this.#wanted = true;
    this.#send();
  }

  cleared() {
    this.#releasedAt = null;
    this.changed();
    this.#finalAt = performance.now();
  }

  #send() {
    if (!this.#wanted || !this.ready) return;
    this.#wanted = false;
    const sentAt = performance.now();
    // Only the drawings that changed since the predictor last got them (it keeps the others).
    const request = { format: "rgba" };
    for (const side of ["a", "b"]) {
      const pad = this.#pads[side];
      if (pad.version === this.#sent[side]) continue;
      request[side] = pad.pixels();
      this.#sent[side] = pad.version;
    }
    try {
      const { result, ms } = this.#predictor.predict(request);
      this.#paint(result, { workerMs: ms, sentAt, answeredAt: performance.now() });
    } catch (e) {
      this.#failed(e);
      return;
    }
    if (!this.#pads.a.drawing && !this.#pads.b.drawing) {
      clearTimeout(this.#evidenceTimer);
      this.#evidenceTimer = setTimeout(() => this.#explain(), EVIDENCE_PAUSE_MS);
    }
  }

  /** Computes the evidence maps of the drawings the predictor holds and shows them. */
  #explain() {
    try {
      this.#results.showEvidence(this.#predictor.evidence());
      this.#evidenceShown = true;
    } catch (e) {
      this.#failed(e);
    }
  }

  /** The drawings changed: maps shown or about to be made are of drawings no longer shown. */
  #forgetEvidence() {
    clearTimeout(this.#evidenceTimer);
    if (!this.#evidenceShown) return;
    this.#evidenceShown = false;
    this.#results.showEvidence(null);
  }

  #paint(prediction, { workerMs, sentAt, answeredAt }) {
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
    // The frame that paints it: the verdict is on screen at its start.
    requestAnimationFrame(() => performance.measure("twinnet:release-to-verdict", { start: releasedAt, end: performance.now(), detail }));
  }

  #failed(error) {
    // The predictor may hold neither drawing now (restarted, or one side refused): send both.
    this.#sent = { a: null, b: null };
    if (error.fatal) this.ready = false;
    this.#listeners.onError?.(error);
  }
}
