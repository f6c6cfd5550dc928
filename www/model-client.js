// The page's side of the worker protocol (worker.js): requests with ids, answers as
// promises. The page never waits on a worker. The worker (and so the trainer wasm module
// it loads) is started by the first request, not before.

/**
 * A request the worker answered with an error. `fatal`: the worker was replaced;
 * `cancelled`: a cancel request stopped the run (nothing went wrong).
 */
export class ModelError extends Error {
  constructor(message, { fatal = false, cancelled = false } = {}) {
    super(message);
    this.name = "ModelError";
    this.fatal = fatal;
    this.cancelled = cancelled;
  }
}

export class ModelClient {
  #workerUrl;
  #worker = null;
  #nextId = 1;
  #pending = new Map(); // id → {resolve, reject, onStatus}
  #kept = null; // {type, payload}: state every worker of this client must hold (keep())

  /** @param {URL} workerUrl the module worker script (started by the first request). */
  constructor(workerUrl) {
    this.#workerUrl = workerUrl;
  }

  /** Whether the worker has been started. */
  get started() {
    return this.#worker !== null;
  }

  #start() {
    this.#worker = new Worker(this.#workerUrl, { type: "module" });
    this.#worker.onmessage = ({ data }) => this.#answer(data);
    // A replacement worker first gets the state its predecessor held.
    if (this.#kept) this.request(this.#kept.type, this.#kept.payload).catch(() => {});
    // The worker script itself failed (not a request): nothing pending can finish.
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(new ModelError(`the model's worker failed: ${event.message || "could not load worker.js"}`, { fatal: true }));
    };
  }

  #answer(message) {
    const request = this.#pending.get(message.id);
    if (!request) return;
    if (message.status !== undefined) {
      // Every other field of a progress message is the status's (an ablation's "run" has `result`).
      const { id: _, status, ...rest } = message;
      request.onStatus?.(status, rest);
      return;
    }
    const { id, result, error, fatal, cancelled, ms } = message;
    this.#pending.delete(id);
    if (error !== undefined) {
      if (fatal) this.restart(new ModelError(error, { fatal: true }));
      request.reject(new ModelError(error, { fatal: Boolean(fatal), cancelled: Boolean(cancelled) }));
    } else {
      request.resolve({ result, ms });
    }
  }

  #failAll(error) {
    for (const request of this.#pending.values()) request.reject(error);
    this.#pending.clear();
  }

  /**
   * Sends `type` as request() does and, once the worker has accepted it, keeps it: a worker
   * that replaces this one (after a crash) gets it again before anything else. For state a
   * worker must hold, such as the data it trains on. A refused request keeps the last one.
   */
  async keep(type, payload) {
    const answer = await this.request(type, payload);
    this.#kept = { type, payload };
    return answer;
  }

  /**
   * Like keep(), for state already checked (e.g. files kept from the last visit): while no
   * worker runs, it is only remembered, and a worker gets it first when it starts.
   */
  async keepWhenStarted(type, payload) {
    if (this.started) return this.keep(type, payload);
    this.#kept = { type, payload };
  }

  /**
   * Sends `{type, id, ...payload}`; resolves with `{result, ms}` or rejects with a ModelError.
   * `onStatus(status, rest)` gets each progress message: its status and its other fields
   * (e.g. `"epoch", {epoch}` while training). `onId(id)` gets the request's id at once,
   * for a later `cancel(id)`.
   * @param {string} type
   * @param {object} payload
   * @param {{transfer?: Transferable[], onStatus?: (status: string, rest: object) => void, onId?: (id: number) => void}} options
   */
  request(type, payload = {}, { transfer = [], onStatus, onId } = {}) {
    const id = this.#nextId++;
    onId?.(id);
    if (!this.#worker) this.#start();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onStatus });
      this.#worker.postMessage({ ...payload, type, id }, transfer);
    });
  }

  /**
   * Asks the worker to stop run `target` (a train or ablate request's id) before its next
   * epoch; that request then rejects with `cancelled`. Resolves with whether a run was stopped.
   */
  async cancel(target) {
    const { result } = await this.request("cancel", { target });
    return result.cancelled;
  }

  /** Ends the worker for good (a pool's extra worker); whatever was pending fails. */
  close() {
    this.#worker?.terminate();
    this.#failAll(new ModelError("the model's worker was closed"));
  }

  /** Replaces the worker (after a crash); whatever was pending fails with `reason`. */
  restart(reason = new ModelError("the model's worker was restarted", { fatal: true })) {
    this.#worker.terminate();
    this.#failAll(reason);
    this.#start();
  }
}
