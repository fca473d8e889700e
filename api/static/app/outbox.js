// The phone's own store (IndexedDB "civicops"): "outbox" holds complaints waiting to be sent,
// by client id, with their photo and voice note as Blobs; "filed" holds the tracking ids and
// citizen tokens of what this phone filed. The report and track pages share it.

const NAME = "civicops";
const VERSION = 1;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Open the store; resolves to { all, get, put, remove } over its object stores. */
export async function openStore() {
  const opening = indexedDB.open(NAME, VERSION);
  opening.onupgradeneeded = () => {
    const db = opening.result;
    if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "client_id" });
    if (!db.objectStoreNames.contains("filed")) db.createObjectStore("filed", { keyPath: "tracking_id" });
  };
  const db = await promised(opening);
  const run = (store, mode, act) => {
    const tx = db.transaction(store, mode);
    const result = promised(act(tx.objectStore(store)));
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => result.then(resolve);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  };
  return {
    all: (store) => run(store, "readonly", (s) => s.getAll()),
    get: (store, key) => run(store, "readonly", (s) => s.get(key)),
    put: (store, value) => run(store, "readwrite", (s) => s.put(value)),
    remove: (store, key) => run(store, "readwrite", (s) => s.delete(key)),
  };
}
