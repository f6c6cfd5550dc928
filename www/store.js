// What the page keeps in IndexedDB so that a reload does not lose it, one record each:
//
// - the current model (ModelStore; none = the shipped pretrained model): {bytes:
//   ArrayBuffer, info (Model.info()), source: "trained" | "uploaded", options (training
//   options, when trained), metrics (final metrics, when trained), fileName, savedAt (ms
//   since the epoch)};
// - the last finished ablation (AblationStore): {options ({rounds, epochs, pairs, seed}),
//   workers, runsDone, runs, summary (the core's Table I), files ({json, csv, svg}, the
//   core's), savedAt};
// - the training data chosen (DataStore; none = the embedded digits): {files: [{name,
//   bytes}], the standard MNIST set's four idx files, checked: {trainImages, testImages,
//   maxPairs}, what the trainer found in them, savedAt}.

const DB_NAME = "twinnet";
const VERSION = 3;
const MODELS = "models"; // version 1's one store
const RESULTS = "results";
const DATA = "data";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const store of [MODELS, RESULTS, DATA]) {
        if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("the page's store is blocked by another tab"));
  });
}

/** Runs `work(store)` on object store `name` in one transaction; resolves with its request's result when committed. */
async function transact(name, mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error("the page's store aborted its transaction"));
    });
  } finally {
    db.close();
  }
}

/** One record under `key` of object store `name`: load (or null), save, clear. */
function record(name, key, copy = (r) => r) {
  return {
    async load() {
      return (await transact(name, "readonly", (store) => store.get(key))) ?? null;
    },
    async save(value) {
      const kept = { ...copy(value), savedAt: value.savedAt ?? Date.now() };
      await transact(name, "readwrite", (store) => store.put(kept, key));
    },
    async clear() {
      await transact(name, "readwrite", (store) => store.delete(key));
    },
  };
}

/** The current model (a copy of its bytes is kept); clear() goes back to the pretrained one. */
export const ModelStore = record(MODELS, "current", (r) => ({ ...r, bytes: r.bytes.slice(0) }));

/** The last finished ablation: its table and files. */
export const AblationStore = record(RESULTS, "ablation");

/** The standard MNIST files the page trains on; clear() goes back to the embedded digits. */
export const DataStore = record(DATA, "mnist");
