// End-to-end: installable and offline after one visit (www/sw.js, www/sw-manifest.js). The
// first visit installs the service worker; with the network off a reload is a ready page
// that draws and predicts, with the pretrained model or a stored upload; the training digits
// are cached once fetched; a new deploy (another sw-manifest.js) replaces the cache once the
// old version's tab is closed. Served from a copy of www/, which the last test changes.
// Only this file lets the service worker run (harness.mjs blocks it elsewhere).

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFile, cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TIMEOUT, WWW, baseUrl, context, draw, expectPair, openPage, reload, upload, useBrowser } from "./harness.mjs";

const COPY = await mkdtemp(join(tmpdir(), "twinnet-offline-"));
await cp(WWW, COPY, { recursive: true });
const manifest = (dir) => execFileSync("python3", [join(ROOT, "scripts/lib/sw-manifest.py"), "--dir", dir], { encoding: "utf8" });
manifest(COPY); // the copy's own, whatever the state of www/sw-manifest.js
after(() => rm(COPY, { recursive: true, force: true }));

useBrowser({ serviceWorkers: "allow", www: COPY });

const versionOf = async (dir) => (await readFile(join(dir, "sw-manifest.js"), "utf8")).match(/"version": "([0-9a-f]+)"/)[1];

/**
 * Waits for an activated service worker; reloads so that it controls the page. The page
 * registers it after its first verdict (so caching never competes with what drawing needs):
 * a stroke on pad A gives one.
 */
async function installed(page) {
  await draw(page, "a", 1);
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (worker.state !== "activated") await new Promise((resolve) => worker.addEventListener("statechange", () => worker.state === "activated" && resolve()));
  });
  await reload(page);
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), "the page is controlled by the service worker");
}

const cacheNames = (page) => page.evaluate(() => caches.keys());
const cached = (page, path) => page.evaluate(async (path) => (await caches.match(new URL(path, document.baseURI).href)) !== undefined, path);
const modelSource = (page) => page.locator("#model-status").evaluate((el) => ({ state: el.dataset.state, source: el.dataset.source }));

test("after one visit, a reload with the network off draws and predicts", async () => {
  const { page, problems } = await openPage();
  await installed(page);
  assert.deepEqual(await cacheNames(page), [`twinnet-${await versionOf(COPY)}`]);
  for (const path of ["./index.html", "./app.js", "./pkg-predictor/twinnet_bg.wasm", "./pkg/twinnet_bg.wasm", "./pkg-relaxed/twinnet.js", "./twinnet.safetensors", "./manifest.webmanifest"]) {
    assert.ok(await cached(page, path), `${path} is cached at install`);
  }
  assert.equal(await cached(page, "./bench.html"), false, "bench.html is not the service worker's");
  assert.equal(await cached(page, "./data/mnist10k.bin"), false, "the digits wait for their first use");

  await context.setOffline(true);
  try {
    await reload(page);
    assert.equal((await modelSource(page)).source, "pretrained");
    await draw(page, "a", 3);
    await draw(page, "b", 8);
    await expectPair(page, 3, 8);
    // A crashed predictor restarts by importing its glue anew under a query (predictor.js):
    // offline, that too comes from the cache, and the fresh instance starts.
    const restarted = await page.evaluate(async () => {
      const glue = await import(new URL("pkg-predictor/twinnet.js?instance=2", document.baseURI).href);
      await glue.default();
      return typeof glue.Model;
    });
    assert.equal(restarted, "function");
  } finally {
    await context.setOffline(false);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("an uploaded model is restored offline", async () => {
  const { page, problems } = await openPage();
  const answer = await upload(page, "pytorch.safetensors", await readFile(join(ROOT, "tests/fixtures/pytorch/twinnet_share_aux.safetensors")));
  assert.equal(answer.state, "ok", answer.text);

  await context.setOffline(true);
  try {
    await reload(page);
    assert.deepEqual(await modelSource(page), { state: "ready", source: "uploaded" });
    assert.match(await page.textContent("#model-note"), /^Restored the model you uploaded on /);
    await draw(page, "a", 3);
    await draw(page, "b", 8);
    await expectPair(page, 3, 8);
  } finally {
    await context.setOffline(false);
  }
  await page.click("#weights-reset");
  await page.waitForSelector('#model-status[data-source="pretrained"]', { timeout: TIMEOUT });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the training digits are cached on first use, and then served offline", async () => {
  const { page, problems } = await openPage();
  const size = () => page.evaluate(async () => (await (await fetch("data/mnist10k.bin")).arrayBuffer()).byteLength);
  const online = await size();
  assert.ok(await cached(page, "./data/mnist10k.bin"));
  await context.setOffline(true);
  try {
    assert.equal(await size(), online);
  } finally {
    await context.setOffline(false);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("a new deploy installs a new cache, which replaces the old one once the old page is closed", async () => {
  const old = await versionOf(COPY);
  await appendFile(join(COPY, "style.css"), "\n/* a new deploy */\n");
  manifest(COPY);
  const next = await versionOf(COPY);
  assert.notEqual(next, old);

  // The visit that finds the new version still runs the old one, from the old cache.
  const { page, problems } = await openPage();
  assert.doesNotMatch(await page.evaluate(async () => (await fetch("style.css")).text()), /a new deploy/);
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    await registration.update();
    const worker = registration.installing ?? registration.waiting;
    if (worker.state !== "installed") await new Promise((resolve) => worker.addEventListener("statechange", () => worker.state === "installed" && resolve()));
  });
  assert.deepEqual((await cacheNames(page)).sort(), [`twinnet-${next}`, `twinnet-${old}`].sort());
  assert.deepEqual(problems, []);
  await page.close();

  // No tab runs the old version any more: the new one takes over. page.close() returns
  // before the browser has let go of the closed page as the old worker's client (a visit
  // started then is still the old version's, whole, and holds the new one back), so first
  // wait for the activation, seen from a page of the same origin outside the scope (not a client).
  const observer = await context.newPage();
  await observer.goto(new URL("/", baseUrl).href); // 404, outside the scope
  await observer.evaluate(async (scope) => {
    const registration = await navigator.serviceWorker.getRegistration(scope);
    const worker = registration.waiting ?? registration.active;
    if (worker.state !== "activated") await new Promise((resolve) => worker.addEventListener("statechange", () => worker.state === "activated" && resolve()));
  }, baseUrl);
  await observer.close();

  // The next visit is the new version, alone.
  const second = await openPage();
  assert.ok(
    await second.page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return registration.waiting === null && navigator.serviceWorker.controller?.state === "activated" && navigator.serviceWorker.controller === registration.active;
    }),
    "the page is controlled by the new service worker, none waits",
  );
  assert.deepEqual(await cacheNames(second.page), [`twinnet-${next}`]);
  assert.match(await second.page.evaluate(async () => (await fetch("style.css")).text()), /a new deploy/);
  await draw(second.page, "a", 3);
  await draw(second.page, "b", 8);
  await expectPair(second.page, 3, 8);
  assert.deepEqual(second.problems, []);
  await second.page.close();
});
