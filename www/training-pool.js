// The ablation on a pool of training workers (issue 12): its 4 × R runs are independent and
// each seeded on its own (src/ablation.rs), so W workers from worker.js each take the next
// run when they have finished one, and Table I is the same whatever W is and whichever run
// finishes first: the core records finished runs in any order and summarises them in the
// plan's order. No shared memory: each worker has its own module, data and run.
//
// The first worker is the page's trainer (it also trains the training form's runs); the
// others are started for the ablation and closed after it. After each finished run, the
// worker that finished it (idle at that moment) gives Table I over every run finished so
// far. A worker that crashes is replaced by its ModelClient and its run tried once more;
// a second crash is reported and the other runs go on. Any other failure (a run diverged,
// a refused setting) stops every worker, as does cancel(), at their next epoch.

import { ModelClient, ModelError } from "./model-client.js";

export class TrainingPool {
  #workerUrl;
  #first;
  /** client → the id of its run under way (the cancel target). */
  #running = new Map();
  #cancelled = false;
  #data = null; // the trainer's useData payload, for the extra workers (null: embedded digits)

  /**
   * @param {URL} workerUrl worker.js, for the extra workers
   * @param {ModelClient} first the page's trainer, the pool's first worker
   */
  constructor(workerUrl, first) {
    this.#workerUrl = workerUrl;
    this.#first = first;
  }

  /** The data the pool's runs train on: the useData payload the trainer holds. */
  setData(payload) {
    this.#data = payload;
  }

  /** Whether the runs train on files given with setData (else on the embedded digits). */
  get hasData() {
    return this.#data !== null;
  }

  /**
   * Runs the ablation `options` ({rounds, epochs, pairs, seed}) on `workers` workers.
   * `onStatus(status, rest)` hears each worker's "data" and "digits"; `onEpoch({index,
   * round, config, epoch})` each epoch of any run; `onTable({runsDone, runs, summary})` Table
   * I after a run finished (never an older table after a newer one).
   * Resolves with the final `{runsDone, runs, summary, files: {json, csv, svg}, failed:
   * [{index, message}]}`;
   * rejects with a ModelError (`cancelled` when cancel() stopped it).
   */
  async ablate(options, workers, { onStatus = () => {}, onEpoch = () => {}, onTable = () => {} } = {}) {
    this.#cancelled = false;
    const runs = 4 * options.rounds;
    const queue = Array.from({ length: runs }, (_, index) => index);
    const retried = new Set();
    const finished = [];
    const failed = [];
    let stop = null; // the failure that stops every worker
    let shown = -1; // runsDone of the last table shown

    const work = async (client) => {
      while (queue.length > 0 && stop === null && !this.#cancelled) {
        const index = queue.shift();
        let run;
        try {
          ({ result: run } = await client.request("ablationRun", { options, index }, {
            onStatus: (status, rest) => (status === "epoch" ? onEpoch(rest) : onStatus(status, rest)),
            onId: (id) => this.#running.set(client, id),
          }));
        } catch (e) {
          this.#running.delete(client);
          if (e.fatal && !retried.has(index)) {
            retried.add(index); // its ModelClient has replaced the crashed worker
            queue.unshift(index);
          } else if (e.fatal) {
            failed.push({ index, message: e.message });
          } else {
            stop ??= e;
            this.cancel();
          }
          continue;
        }
        this.#running.delete(client);
        finished.push(run);
        try {
          const { result: table } = await client.request("ablationSummary", { options, runs: finished });
          if (table.runsDone > shown) {
            shown = table.runsDone;
            onTable(table);
          }
        } catch {
          // The table of the next finished run (or the final one) includes this run.
        }
      }
    };

    const extra = Array.from({ length: Math.max(0, workers - 1) }, () => new ModelClient(this.#workerUrl));
    try {
      if (this.#data) await Promise.all(extra.map((client) => client.keep("useData", this.#data)));
      await Promise.all([this.#first, ...extra].map(work));
    } finally {
      for (const client of extra) client.close();
    }
    if (stop && !stop.cancelled) throw stop;
    if (this.#cancelled || stop) {
      throw new ModelError(`ablation cancelled after ${finished.length} of ${runs} runs`, { cancelled: true });
    }
    const { result: table } = await this.#first.request("ablationSummary", { options, runs: finished, jobs: workers });
    return { ...table, failed };
  }

  /** Stops every worker's run at its next epoch; no worker takes another. */
  cancel() {
    this.#cancelled = true;
    for (const [client, id] of this.#running) client.cancel(id).catch(() => {});
  }
}
