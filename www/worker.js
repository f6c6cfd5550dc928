// The model's owner: a module Web Worker around the wasm facade (src/web.rs).
//
// Protocol (see model-client.js for the page's side). Every request carries an id and
// every answer names it:
//   in:  {type: "load", id, url}            fetch a safetensors file and make the model
//        {type: "load", id, bytes}          … or take its bytes (ArrayBuffer)
//        {type: "predict", id, format, a, b} two square drawings' pixels (Uint8(Clamped)Array),
//                                           format "rgba" or "alpha"
//   out: {id, status, …}                    progress, zero or more per request
//        {id, result, ms}                   the answer; ms = time spent in this worker
//        {id, error, fatal}                 the failure; fatal = this worker is unusable
//                                           (the wasm module panicked) and must be replaced
import init, { Model, takePanicMessage } from "./pkg/twinnet.js";

// Compiling the module starts with the worker, in parallel with fetching the weights.
// A failure surfaces in the first load request.
const wasmReady = init().catch((e) => {
  throw new Error(`could not start the WebAssembly module: ${e.message}`);
});
wasmReady.catch(() => {});

let model = null;
let crash = null;

async function fetchBytes(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch the weights at ${url}: ${e.message}`);
  }
  if (!response.ok) {
    throw new Error(`could not fetch the weights at ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

const handlers = {
  async load({ url, bytes }, status) {
    if (!url && !bytes) throw new Error("load needs a url or the weights' bytes");
    status("loading");
    const [, weights] = await Promise.all([wasmReady, bytes ? new Uint8Array(bytes) : fetchBytes(url)]);
    const next = new Model(weights);
    model?.free();
    model = next;
    return { model: model.info(), bytes: weights.byteLength };
  },

  async predict({ format, a, b }) {
    if (!model) throw new Error("no model loaded yet: send a load request first");
    if (!a || !b) throw new Error("predict needs the pixels of both drawings, a and b");
    return model.predict(a, b, format ?? "rgba");
  },
};

function describe(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    // A Rust panic aborts the module; its hook kept the message.
    crash = `the model crashed (${takePanicMessage() ?? e.message}); it will be restarted`;
    return crash;
  }
  return e instanceof Error ? e.message : String(e);
}

self.onmessage = async ({ data }) => {
  const { type, id, ...request } = data ?? {};
  const t0 = performance.now();
  try {
    if (crash) throw new Error(crash);
    const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
    if (!handler) throw new Error(`unknown request type ${JSON.stringify(type)}: use ${Object.keys(handlers).join(" or ")}`);
    const result = await handler(request, (status) => self.postMessage({ id, status }));
    self.postMessage({ id, result, ms: performance.now() - t0 });
  } catch (e) {
    const error = describe(e);
    self.postMessage({ id, error, fatal: crash !== null });
  }
};
