// Offline use: registers the service worker (sw.js, see there) that caches the page, its
// modules, both wasm builds and the weights at the first visit, and the training digits when
// first fetched. Its URL is relative to this module, so it works under any sub-path; its scope
// is this folder. `updateViaCache: "none"`: a new deploy's sw-manifest.js is seen at once, not
// after the HTTP cache's lifetime.

/** Registers sw.js (where the browser has service workers); a failure only means no offline use. */
export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register(new URL("sw.js", import.meta.url), { updateViaCache: "none" })
    .catch((e) => console.warn(`TwinNet: no offline use (the service worker was not registered: ${e.message})`));
}
