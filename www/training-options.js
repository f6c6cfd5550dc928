// The training form's rules: defaults (the published protocol), limits, and validation
// of what a person typed. Pure functions, no DOM, so they are tested on their own
// (tests/e2e/options.test.mjs) and the worker's own checks are only a second line.

/** The published protocol (share + aux, Adam lr 0.01, batch 128, 25 epochs, 1000 pairs). */
export const DEFAULTS = Object.freeze({ share: true, aux: true, epochs: 25, pairs: 1000, lr: 0.01, batch: 128, seed: 1000 });

/**
 * The embedded digits (10,000) are split into two halves of 5,000 images, training pairs
 * from one, test pairs from the other, two distinct images per pair: 2,500 pairs at most.
 * The worker may report the real figure once it has the data.
 */
export const DATA_MAX_PAIRS = 2500;

export const LIMITS = Object.freeze({
  epochs: { min: 1, max: 200 },
  pairs: { min: 10, max: 5000 },
  batch: { min: 2 },
  rounds: { min: 1, max: 32 },
});

/** The model's configuration name, as the core and the file names spell it. */
export function configName({ share, aux }) {
  if (share && aux) return "share+aux";
  if (share) return "share";
  if (aux) return "aux";
  return "none";
}

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
  const range = max === undefined ? `at least ${min}` : `${min}–${max}`;
  if (n === null) return { error: `${what} must be a whole number ${range}.` };
  if (n < min || (max !== undefined && n > max)) return { error: `${what} must be ${range}, got ${n}.` };
  return { value: n };
}

/**
 * Checks the form's raw values (strings from inputs, booleans from checkboxes).
 * @param {{share: boolean, aux: boolean, epochs: string, pairs: string, lr: string, batch: string, seed: string}} raw
 * @param {{maxPairs?: number}} data what the data allows
 * @returns {{options: object | null, errors: Record<string, string>}} options when there are no errors
 */
export function validateTraining(raw, { maxPairs = DATA_MAX_PAIRS } = {}) {
  const errors = {};
  const options = { share: Boolean(raw.share), aux: Boolean(raw.aux) };
  const take = (field, result) => {
    if (result.error) errors[field] = result.error;
    else options[field] = result.value;
  };

  take("epochs", intIn(raw.epochs, LIMITS.epochs.min, LIMITS.epochs.max, "Epochs"));

  const pairMax = Math.min(LIMITS.pairs.max, maxPairs);
  const pairs = intIn(raw.pairs, LIMITS.pairs.min, pairMax, "Pairs");
  if (pairs.error && pairMax < LIMITS.pairs.max && wholeNumber(raw.pairs) > pairMax) {
    pairs.error += ` The embedded digits give at most ${pairMax.toLocaleString("en")} pairs (two distinct images a pair from each half of the data).`;
  }
  take("pairs", pairs);

  const lrText = String(raw.lr ?? "").trim();
  const lr = lrText === "" ? NaN : Number(lrText);
  if (!Number.isFinite(lr) || lr <= 0 || lr > 1) {
    errors.lr = `Learning rate must be a number > 0 and ≤ 1${lrText === "" ? "" : `, got ${lrText}`}.`;
  } else {
    options.lr = lr;
  }

  // Batches need two pairs at least: BatchNorm cannot train on a single pair.
  const batchMax = options.pairs ?? undefined;
  const batch = intIn(raw.batch, LIMITS.batch.min, batchMax, "Batch size");
  if (batch.error) {
    const n = wholeNumber(raw.batch);
    if (n !== null && n < LIMITS.batch.min) batch.error += " BatchNorm cannot train on a single pair.";
    else if (n !== null && batchMax !== undefined && n > batchMax) batch.error = `Batch size must be 2–${batchMax} (at most the number of pairs), got ${n}.`;
  }
  take("batch", batch);

  const seed = wholeNumber(raw.seed);
  if (seed === null) errors.seed = "Seed must be a whole number ≥ 0.";
  else options.seed = seed;

  return { options: Object.keys(errors).length === 0 ? options : null, errors };
}

/**
 * Checks the ablation form: rounds 1–32; epochs and pairs as for training.
 * @returns {{options: {rounds, epochs, pairs, seed} | null, errors: Record<string, string>}}
 */
export function validateAblation(raw, { maxPairs = DATA_MAX_PAIRS } = {}) {
  const errors = {};
  const options = {};
  const take = (field, result) => {
    if (result.error) errors[field] = result.error;
    else options[field] = result.value;
  };
  take("rounds", intIn(raw.rounds, LIMITS.rounds.min, LIMITS.rounds.max, "Rounds"));
  take("epochs", intIn(raw.epochs, LIMITS.epochs.min, LIMITS.epochs.max, "Epochs"));
  take("pairs", intIn(raw.pairs, Math.max(LIMITS.pairs.min, LIMITS.batch.min), Math.min(LIMITS.pairs.max, maxPairs), "Pairs"));
  const seed = wholeNumber(raw.seed);
  if (seed === null) errors.seed = "Seed must be a whole number ≥ 0.";
  else options.seed = seed;
  return { options: Object.keys(errors).length === 0 ? options : null, errors };
}

/**
 * Which field a worker's error message is about, if it names one ("pairs: …", "batch size …").
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
