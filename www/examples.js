// The example digits: held-out MNIST digits as pen strokes (www/examples.json, made by
// `twinnet examples`; src/examples.rs), fetched on the first click and handed out in a
// shuffled order, a different digit each time, so that anyone gets to a verdict without
// drawing.

const URL_EXAMPLES = new URL("./examples.json", import.meta.url);

/** Hands out example digits (`{label, image, strokes}`), never the same one twice in a row. */
export class Examples {
  #loading = null;
  #order = [];
  #last = null;

  /** The next example: a promise of it (rejects with why the file could not be read). */
  async next() {
    const examples = await this.#load();
    if (this.#order.length === 0) {
      this.#order = shuffled(examples);
      // A new round starts with another digit than the last round ended with.
      if (this.#order.length > 1 && this.#order.at(-1) === this.#last) this.#order.unshift(this.#order.pop());
    }
    this.#last = this.#order.pop();
    return this.#last;
  }

  #load() {
    this.#loading ??= fetch(URL_EXAMPLES)
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
        return response.json();
      })
      .then(({ examples }) => {
        if (!Array.isArray(examples) || examples.length === 0) throw new Error("the file holds no examples");
        return examples;
      })
      .catch((e) => {
        this.#loading = null; // try again on the next click
        throw new Error(`could not load the example digits (${URL_EXAMPLES.pathname}): ${e.message}`);
      });
    return this.#loading;
  }
}

function shuffled(items) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
