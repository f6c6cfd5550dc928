// The training form's rules (www/training-options.js), without a browser.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, configName, fieldOfMessage, validateAblation, validateTraining } from "../../www/training-options.js";

const form = (changes = {}) => ({ ...Object.fromEntries(Object.entries(DEFAULTS).map(([k, v]) => [k, typeof v === "boolean" ? v : String(v)])), ...changes });

test("the published defaults are valid", () => {
  const { options, errors } = validateTraining(form());
  assert.deepEqual(errors, {});
  assert.deepEqual(options, { share: true, aux: true, epochs: 25, pairs: 1000, lr: 0.01, batch: 128, seed: 1000 });
});

test("each field refuses what the worker would refuse, with a message naming the rule", () => {
  const refused = (changes) => validateTraining(form(changes)).errors;
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
  assert.equal(validateTraining(form({ epochs: "0" })).options, null);
});

test("limits at their edges are accepted; the data's limit can be raised by the worker", () => {
  const ok = (changes, data) => validateTraining(form(changes), data).options;
  assert.ok(ok({ epochs: "1", pairs: "10", batch: "2", lr: "1", seed: "0" }));
  assert.ok(ok({ epochs: "200", pairs: "2500", batch: "2500", lr: "1e-4" }));
  assert.equal(ok({ pairs: "5000", batch: "128" }), null);
  assert.ok(ok({ pairs: "5000", batch: "128" }, { maxPairs: 5000 }));
  assert.equal(ok({ pairs: "5001" }, { maxPairs: 10000 }), null);
});

test("ablation: rounds 1–32, epochs and pairs as for training", () => {
  assert.deepEqual(validateAblation({ rounds: "4", epochs: "25", pairs: "1000", seed: "1000" }).options, { rounds: 4, epochs: 25, pairs: 1000, seed: 1000 });
  assert.match(validateAblation({ rounds: "33", epochs: "25", pairs: "1000", seed: "1" }).errors.rounds, /1–32/);
  assert.match(validateAblation({ rounds: "0", epochs: "25", pairs: "1000", seed: "1" }).errors.rounds, /1–32/);
});

test("configuration names and the field a worker's message is about", () => {
  assert.deepEqual(
    [[false, false], [true, false], [false, true], [true, true]].map(([share, aux]) => configName({ share, aux })),
    ["none", "share", "aux", "share+aux"],
  );
  assert.equal(fieldOfMessage("pairs: the data gives at most 2500 training and 2500 test pairs"), "pairs");
  assert.equal(fieldOfMessage("lr: must be a number above 0"), "lr");
  assert.equal(fieldOfMessage("batch: must be a whole number from 2 to 1000"), "batch");
  assert.equal(fieldOfMessage("training diverged at epoch 3: try a smaller learning rate"), null);
});
