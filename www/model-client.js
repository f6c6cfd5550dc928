// The page's side of the worker protocol (worker.js): requests with ids, answers as
// promises. The page never touches the model itself and never waits on it.

/** A request the worker answered with an error. `fatal`: the worker was replaced. */
export class ModelError extends Error {
  constructor(message, { fatal = false } = {}) {
    super(message);
    this.name = "ModelError";
    this.fatal = fatal;
  }
}

export class ModelClient {
  #workerUrl;
  #worker = null;
  #nextId = 1;
  #pending = new Map(); // id → {resolve, reject, onStatus}

  /** @param {URL} workerUrl the module worker script. */
  constructor(workerUrl) {
    this.#workerUrl = workerUrl;
    this.#start();
  }

  #start() {
    this.#worker = new Worker(this.#workerUrl, { type: "module" });
    this.#worker.onmessage = ({ data }) => this.#answer(data);
    // The worker script itself failed (not a request): nothing pending can finish.
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(new ModelError(`the model's worker failed: ${event.message || "could not load worker.js"}`, { fatal: true }));
    };
  }

  #answer({ id, status, result, error, fatal, ms, ...rest }) {
    const request = this.#pending.get(id);
    if (!request) return;
    if (status !== undefined) {
      request.onStatus?.(status, rest);
      return;
    }
    this.#pending.delete(id);
    if (error !== undefined) {
      if (fatal) this.restart(new ModelError(error, { fatal: true }));
      request.reject(new ModelError(error, { fatal: Boolean(fatal) }));
    } else {
      request.resolve({ result, ms });
    }
  }

  #failAll(error) {
    for (const request of this.#pending.values()) request.reject(error);
    this.#pending.clear();
  }

  /**
   * Sends `{type, id, ...payload}`; resolves with `{result, ms}` or rejects with a ModelError.
   * @param {string} type
   * @param {object} payload
   * @param {{transfer?: Transferable[], onStatus?: (status: string) => void}} options
   */
  request(type, payload = {}, { transfer = [], onStatus } = {}) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onStatus });
      this.#worker.postMessage({ ...payload, type, id }, transfer);
    });
  }

  /** Replaces the worker (after a crash); whatever was pending fails with `reason`. */
  restart(reason = new ModelError("the model's worker was restarted", { fatal: true })) {
    this.#worker.terminate();
    this.#failAll(reason);
    this.#start();
  }
}
