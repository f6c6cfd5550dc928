// The training and ablation forms' checks, against the core's limits (`limits()` of the
// wasm facade, src/options.rs: the page restates none of them). Pure functions, no DOM,
// so they are tested on their own (tests/e2e/options.test.mjs). They give every field's
// message at once, before anything starts; the core checks the same settings again when
// the run starts (and it alone knows what the data allows until the page has the data).

/**
 * The limits and defaults as the core gives them:
 * @typedef {{epochs: {min: number, max: number}, pairs: {min: number, max: number},
 *   rounds: {min: number, max: number}, workers: {min: number, max: number}, seed: {min: number, max: number}, min_batch: number,
 *   max_lr: number, defaults: {share: boolean, aux: boolean, epochs: number, pairs: number,
 *   lr: number, batch: number, seed: number}}} Limits
 */

/** A whole number from text, or null (no signs, no decimals, no exponents). */
function wholeNumber(text) {
  const t = String(text ?? "").trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** A whole number in [min, max], or an error message naming the field's rule. */
function intIn(text, min, max, what) {
  const n = wholeNumber(text);
  const range = `${min}–${max}`;
  if (n === null) return { error: `${what} must be a whole number ${range}.` };
  if (n < min || n > max) return { error: `${what} must be ${range}, got ${n}.` };
  return { value: n };
}

/** The most pairs: the core's limit, and what the data gives once the page knows it. */
function pairsIn(raw, limits, maxPairs) {
  const max = pairsMax(limits, maxPairs);
  const pairs = intIn(raw, limits.pairs.min, max, "Pairs");
  if (pairs.error && max < limits.pairs.max && wholeNumber(raw) > max) {
    pairs.error += ` The training digits give at most ${max.toLocaleString("en")} pairs (two distinct images a pair from each half of the data).`;
  }
  return pairs;
}

function seedIn(raw, limits) {
  const seed = wholeNumber(raw);
  if (seed === null || seed < limits.seed.min || seed > limits.seed.max) return { error: `Seed must be a whole number ≥ ${limits.seed.min}.` };
  return { value: seed };
}

/** Collects `{value}` or `{error}` per field into `{options, errors}`. */
function collect(results, options = {}) {
  const errors = {};
  for (const [field, result] of Object.entries(results)) {
    if (result.error) errors[field] = result.error;
    else options[field] = result.value;
  }
  return { options: Object.keys(errors).length === 0 ? options : null, errors };
}

/**
 * Checks the training form's raw values (strings from inputs, booleans from checkboxes).
 * @param {{share: boolean, aux: boolean, epochs: string, pairs: string, lr: string, batch: string, seed: string}} raw
 * @param {Limits} limits the core's
 * @param {{maxPairs?: number}} data what the data allows, once known
 * @returns {{options: object | null, errors: Record<string, string>}} options when there are no errors
 */
export function validateTraining(raw, limits, { maxPairs } = {}) {
  const results = {
    epochs: intIn(raw.epochs, limits.epochs.min, limits.epochs.max, "Epochs"),
    pairs: pairsIn(raw.pairs, limits, maxPairs),
  };

  const lrText = String(raw.lr ?? "").trim();
  const lr = lrText === "" ? NaN : Number(lrText);
  results.lr =
    !Number.isFinite(lr) || lr <= 0 || lr > limits.max_lr
      ? { error: `Learning rate must be a number > 0 and ≤ ${limits.max_lr}${lrText === "" ? "" : `, got ${lrText}`}.` }
      : { value: lr };

  // Batches need two pairs at least (BatchNorm cannot train on a single pair), at most all pairs.
  const min = limits.min_batch;
  const max = results.pairs.value ?? limits.pairs.max;
  const n = wholeNumber(raw.batch);
  if (n === null) results.batch = { error: `Batch size must be a whole number ${min}–${max}.` };
  else if (n < min) results.batch = { error: `Batch size must be ${min}–${max}, got ${n}. BatchNorm cannot train on a single pair.` };
  else if (n > max) results.batch = { error: `Batch size must be ${min}–${max} (at most the number of pairs), got ${n}.` };
  else results.batch = { value: n };

  results.seed = seedIn(raw.seed, limits);
  return collect(results, { share: Boolean(raw.share), aux: Boolean(raw.aux) });
}

/**
 * Checks the ablation form: rounds, workers, epochs, pairs and seed, as the core limits them
 * (`workers` only when the form has that field).
 * @param {Limits} limits the core's
 * @returns {{options: {rounds, workers?, epochs, pairs, seed} | null, errors: Record<string, string>}}
 */
export function validateAblation(raw, limits, { maxPairs } = {}) {
  const workers = raw.workers === undefined ? {} : { workers: intIn(raw.workers, limits.workers.min, limits.workers.max, "Workers") };
  return collect({
    rounds: intIn(raw.rounds, limits.rounds.min, limits.rounds.max, "Rounds"),
    ...workers,
    epochs: intIn(raw.epochs, limits.epochs.min, limits.epochs.max, "Epochs"),
    pairs: pairsIn(raw.pairs, limits, maxPairs),
    seed: seedIn(raw.seed, limits),
  });
}

/**
 * Which field a worker's error message is about, if it names one (the core's messages
 * start with the field: "pairs: …").
 * @returns {string | null}
 */
export function fieldOfMessage(message) {
  const m = /^\s*(epochs|pairs|lr|learning rate|batch(?: size)?|seed|rounds)\b/i.exec(String(message));
  if (!m) return null;
  const word = m[1].toLowerCase();
  if (word.startsWith("learning")) return "lr";
  if (word.startsWith("batch")) return "batch";
  return word;
}

/** The most pairs a run may ask for: the core's limit, and what the data gives once known. */
export function pairsMax(limits, maxPairs) {
  return Math.min(limits.pairs.max, maxPairs ?? Infinity);
}

/**
 * The ablation's workers to offer first: the cores the browser reports
 * (`navigator.hardwareConcurrency`), within the core's limit (each worker holds its own
 * module, data and run).
 */
export function defaultWorkers(limits, cores) {
  const n = Number.isSafeInteger(cores) && cores > 0 ? cores : 1;
  return Math.max(limits.workers.min, Math.min(limits.workers.max, n));
}
