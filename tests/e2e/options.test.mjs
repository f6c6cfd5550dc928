// The training and ablation forms' checks (www/training-options.js), without a browser,
// against the limits the core gives (the built wasm module's `limits()`, run in Node).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultWorkers, fieldOfMessage, pairsMax, validateAblation, validateTraining } from "../../www/training-options.js";

const ROOT = join(import.meta.dirname, "../..");
const wasm = await import(join(ROOT, "www/pkg/twinnet.js"));
await wasm.default({ module_or_path: await readFile(join(ROOT, "www/pkg/twinnet_bg.wasm")) });
const LIMITS = wasm.limits();
const DEFAULTS = LIMITS.defaults;

const form = (changes = {}) => ({ ...Object.fromEntries(Object.entries(DEFAULTS).map(([k, v]) => [k, typeof v === "boolean" ? v : String(v)])), ...changes });
/** The embedded digits: 10,000 images in two halves, 2,500 pairs at most. */
const EMBEDDED = { maxPairs: 2500 };

test("the core's limits are the published protocol and the page's ranges", () => {
  assert.deepEqual(DEFAULTS, { share: true, aux: true, epochs: 25, pairs: 1000, lr: 0.01, batch: 128, seed: 1000 });
  assert.deepEqual([LIMITS.epochs, LIMITS.pairs, LIMITS.rounds], [{ min: 1, max: 200 }, { min: 10, max: 5000 }, { min: 1, max: 32 }]);
  assert.equal(pairsMax(LIMITS, undefined), 5000);
  assert.equal(pairsMax(LIMITS, 2500), 2500);
});

test("the published defaults are valid", () => {
  const { options, errors } = validateTraining(form(), LIMITS);
  assert.deepEqual(errors, {});
  assert.deepEqual(options, DEFAULTS);
});

test("each field refuses what the core would refuse, with a message naming the rule", () => {
  const refused = (changes) => validateTraining(form(changes), LIMITS, EMBEDDED).errors;
  assert.match(refused({ epochs: "0" }).epochs, /1–200/);
  assert.match(refused({ epochs: "201" }).epochs, /1–200/);
  assert.match(refused({ epochs: "2.5" }).epochs, /whole number/);
  assert.match(refused({ epochs: "" }).epochs, /whole number/);
  assert.match(refused({ pairs: "9" }).pairs, /10–2500/);
  assert.match(refused({ pairs: "3000" }).pairs, /at most 2,500 pairs/);
  assert.match(refused({ lr: "0" }).lr, /> 0 and ≤ 1/);
  assert.match(refused({ lr: "1.5" }).lr, /> 0 and ≤ 1/);
  assert.match(refused({ lr: "abc" }).lr, /> 0 and ≤ 1/);
  assert.match(refused({ batch: "1" }).batch, /BatchNorm cannot train on a single pair/);
  assert.match(refused({ batch: "1001" }).batch, /2–1000 \(at most the number of pairs\)/);
  assert.match(refused({ seed: "-1" }).seed, /whole number ≥ 0/);
  assert.match(refused({ seed: "9007199254740992" }).seed, /whole number/);
  assert.equal(validateTraining(form({ epochs: "0" }), LIMITS).options, null);
  const all = refused({ epochs: "0", batch: "1", lr: "2" });
  assert.deepEqual(Object.keys(all).sort(), ["batch", "epochs", "lr"], "every refused field at once");
});

test("limits at their edges are accepted; the data's limit applies once known", () => {
  const ok = (changes, data) => validateTraining(form(changes), LIMITS, data).options;
  assert.ok(ok({ epochs: "1", pairs: "10", batch: "2", lr: "1", seed: "0" }, EMBEDDED));
  assert.ok(ok({ epochs: "200", pairs: "2500", batch: "2500", lr: "1e-4" }, EMBEDDED));
  assert.equal(ok({ pairs: "5000", batch: "128" }, EMBEDDED), null);
  assert.ok(ok({ pairs: "5000", batch: "128" }), "before the data is known, the core's limit");
  assert.ok(ok({ pairs: "5000", batch: "128" }, { maxPairs: 5000 }));
  assert.equal(ok({ pairs: "5001" }, { maxPairs: 10000 }), null);
});

test("ablation: rounds, epochs and pairs as the core limits them", () => {
  const raw = { rounds: "4", epochs: "25", pairs: "1000", seed: "1000" };
  assert.deepEqual(validateAblation(raw, LIMITS).options, { rounds: 4, epochs: 25, pairs: 1000, seed: 1000 });
  assert.match(validateAblation({ ...raw, rounds: "33" }, LIMITS).errors.rounds, /1–32/);
  assert.match(validateAblation({ ...raw, rounds: "0" }, LIMITS).errors.rounds, /1–32/);
  assert.match(validateAblation({ ...raw, pairs: "2600" }, LIMITS, EMBEDDED).errors.pairs, /at most 2,500 pairs/);
  assert.deepEqual(validateAblation({ ...raw, workers: "2" }, LIMITS).options, { rounds: 4, workers: 2, epochs: 25, pairs: 1000, seed: 1000 });
  assert.match(validateAblation({ ...raw, workers: "0" }, LIMITS).errors.workers, /Workers must be 1–8, got 0/);
  assert.match(validateAblation({ ...raw, workers: "9" }, LIMITS).errors.workers, /1–8/);
});

test("the ablation's workers: the browser's cores within the core's limit", () => {
  assert.deepEqual(LIMITS.workers, { min: 1, max: 8 });
  assert.equal(defaultWorkers(LIMITS, 2), 2);
  assert.equal(defaultWorkers(LIMITS, 64), 8);
  assert.equal(defaultWorkers(LIMITS, undefined), 1, "a browser that does not say");
});

test("the field a core's message is about", () => {
  assert.equal(fieldOfMessage("pairs: the data gives at most 2500 training and 2500 test pairs"), "pairs");
  assert.equal(fieldOfMessage("lr: must be a number above 0"), "lr");
  assert.equal(fieldOfMessage("batch: must be a whole number from 2 to 1000"), "batch");
  assert.equal(fieldOfMessage("training diverged at epoch 3: try a smaller learning rate"), null);
});
