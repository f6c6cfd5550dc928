// The current model, kept in IndexedDB so that a reload does not lose it: the weights'
// bytes and what the page knows of them. One record (key "current"); none = the shipped
// pretrained model.
//
// Record: {bytes: ArrayBuffer, info (Model.info()), source: "trained" | "uploaded",
//          options (training options, when trained), metrics (final metrics, when trained),
//          fileName, savedAt (ms since the epoch)}

const DB_NAME = "twinnet";
const STORE = "models";
const KEY = "current";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("the model store is blocked by another tab"));
  });
}

/** Runs `work(store)` in one transaction; resolves with its request's result when committed. */
async function transact(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error("the model store's transaction was aborted"));
    });
  } finally {
    db.close();
  }
}

export const ModelStore = {
  /** The stored model, or null. */
  async load() {
    return (await transact("readonly", (store) => store.get(KEY))) ?? null;
  },

  /** Keeps `record` as the current model (a copy of its bytes). */
  async save(record) {
    const copy = { ...record, bytes: record.bytes.slice(0), savedAt: record.savedAt ?? Date.now() };
    await transact("readwrite", (store) => store.put(copy, KEY));
  },

  /** Forgets the stored model (back to the pretrained one). */
  async clear() {
    await transact("readwrite", (store) => store.delete(KEY));
  },
};
