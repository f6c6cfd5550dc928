// What the end-to-end tests share: the page served by scripts/lib/serve.py on localhost under
// a sub-path (as on GitHub Pages), Debian's Chromium driven by playwright-core (one
// persistent profile per test file, so IndexedDB survives reloads), real pointer strokes
// that draw digits, and readers of the page's test hooks (ids and data-* attributes, see
// README).
//
//   TWINNET_E2E_OUT=dir            screenshots, timings.json and the drawn pixels go here
//                                  (default ../../target/e2e)
//   CHROMIUM=/path/to/chromium     (default /usr/bin/chromium)
//   TWINNET_E2E_WWW=dir            serve another build of the page (default ../../www)

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { DIGITS } from "./digits.mjs";
import { serveLocal } from "../../scripts/lib/serve-local.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "../..");
export const OUT = resolve(process.env.TWINNET_E2E_OUT ?? join(ROOT, "target/e2e"));
export const WWW = resolve(process.env.TWINNET_E2E_WWW ?? join(ROOT, "www"));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const BASE_PATH = "/twinnet/";
export const TIMEOUT = 30_000;

let server;
export let baseUrl;
let profileDir;
export let context;
export const timings = { readyMs: [], releaseToVerdictMs: [], releaseToSentMs: [], releaseToAnswerMs: [], releaseToDomMs: [], workerMs: [] };

/** Starts scripts/lib/serve.py on a free port; resolves with the page's URL. */
async function startServer(dir) {
  let url;
  ({ server, url } = await serveLocal({ dir, base: BASE_PATH }));
  return url;
}

/**
 * Starts the server and the browser (what useBrowser's hooks do; a program outside node:test,
 * e.g. scripts/lib/soak.mjs, calls it itself): after it, openPage() and the helpers work.
 * Resolves with a function that closes the browser, stops the server and removes the profile.
 */
export async function startBrowser({ serviceWorkers = "block", www = WWW } = {}) {
  baseUrl = await startServer(www);
  await mkdir(OUT, { recursive: true });
  profileDir = await mkdtemp(join(tmpdir(), "twinnet-e2e-"));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 900, height: 1100 },
    acceptDownloads: true,
    serviceWorkers,
  });
  return stopBrowser;
}

async function stopBrowser() {
  await context?.close();
  server?.kill();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
}

/**
 * Registers the file's before/after hooks: the server, the browser; at the end the
 * timings go to `timingsFile` in OUT (if given) and to the log. The page's service worker
 * (www/sw.js) is blocked unless `serviceWorkers` is "allow": with it, the page and its
 * modules would come from its cache, past the routes some tests serve (offline.test.mjs
 * tests it). `www` serves another folder than TWINNET_E2E_WWW's.
 */
export function useBrowser({ timingsFile = null, serviceWorkers = "block", www = WWW } = {}) {
  before(() => startBrowser({ serviceWorkers, www }));

  after(async () => {
    await stopBrowser();
    if (timingsFile) {
      await writeFile(join(OUT, timingsFile), JSON.stringify(summary(timings), null, 2) + "\n");
      console.log("timings (ms):", JSON.stringify(summary(timings)));
    }
  });
}

function summary(samples) {
  const stats = (values) => {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return { n: values.length, median: round(median), min: round(sorted[0]), max: round(sorted.at(-1)) };
  };
  const round = (x) => Math.round(x * 10) / 10;
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
}

/** A fresh page that fails the test on errors and on requests leaving localhost. */
export async function openPage() {
  const page = await context.newPage();
  const problems = [];
  const origin = new URL(baseUrl).origin;
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(origin)) problems.push(`third-party request: ${r.url()}`);
  });
  page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(baseUrl);
  await page.waitForSelector('#model-status[data-state="ready"]', { timeout: TIMEOUT });
  const ready = await page.evaluate(() => performance.getEntriesByName("twinnet:ready")[0].startTime);
  timings.readyMs.push(ready);
  return { page, problems };
}

/** Reloads `page` and waits for its model to be ready again. */
export async function reload(page) {
  await page.reload();
  await page.waitForSelector('#model-status[data-state="ready"]', { timeout: TIMEOUT });
}

/** How many verdicts after a pointer release have been painted so far. */
export const paintedReleases = (page) => page.evaluate(() => performance.getEntriesByName("twinnet:release-to-verdict").length);

/**
 * Draws `digit` on canvas `side` ("a" or "b") with real pointer strokes, then waits for
 * the verdict of the final release to be painted.
 * @param {(page, points) => Promise<void>} input mouse() or touch()
 */
export async function draw(page, side, digit, input = mouse) {
  await page.locator(`#canvas-${side}`).scrollIntoViewIfNeeded();
  const box = await page.locator(`#canvas-${side}`).boundingBox();
  const before = await paintedReleases(page);
  for (const stroke of DIGITS[digit]) {
    await input(page, stroke.map(([x, y]) => [box.x + x * box.width, box.y + y * box.height]));
  }
  const released = before + DIGITS[digit].length;
  await page.waitForFunction((n) => performance.getEntriesByName("twinnet:release-to-verdict").length >= n, released, { timeout: TIMEOUT });
  const measures = await page.evaluate(() =>
    performance.getEntriesByName("twinnet:release-to-verdict").map((m) => ({ duration: m.duration, ...m.detail })),
  );
  for (const m of measures.slice(before)) {
    timings.releaseToVerdictMs.push(m.duration);
    timings.workerMs.push(m.workerMs);
    timings.releaseToSentMs.push(m.sentMs);
    timings.releaseToAnswerMs.push(m.answeredMs);
    timings.releaseToDomMs.push(m.shownMs);
  }
}

export async function mouse(page, points) {
  const [[x0, y0], ...rest] = points;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(x, y, { steps: 2 });
  await page.mouse.up();
}

/** A finger: Chrome DevTools Protocol touch events, which the page gets as pointer events. */
export async function touch(page, points) {
  const cdp = await page.context().newCDPSession(page);
  const at = ([x, y]) => ({ touchPoints: [{ x, y, id: 1, radiusX: 4, radiusY: 4, force: 1 }] });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", ...at(points[0]) });
  for (const p of points.slice(1)) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", ...at(p) });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

/** Uploads `buffer` as `name` (#weights-upload) and waits for the weights panel's answer. */
export async function upload(page, name, buffer) {
  await page.setInputFiles("#weights-upload", { name, mimeType: "application/octet-stream", buffer });
  await page.waitForSelector('#weights-message:is([data-state="ok"], [data-state="error"])', { timeout: TIMEOUT });
  return page.locator("#weights-message").evaluate((el) => ({ state: el.dataset.state, text: el.textContent }));
}

export async function verdict(page) {
  return page.locator("#verdict").evaluate((el) => ({
    state: el.dataset.state,
    pLe: el.dataset.pLe === undefined ? undefined : Number(el.dataset.pLe),
    le: el.dataset.le,
    text: el.querySelector("[data-verdict-text]").textContent,
  }));
}

export async function digitView(page, side) {
  return page.locator(`#probs-${side}`).evaluate((el) => ({
    probs: el.dataset.probs === undefined ? undefined : JSON.parse(el.dataset.probs),
    argmax: el.dataset.argmax === undefined ? undefined : Number(el.dataset.argmax),
  }));
}

export async function expectPair(page, first, second) {
  const [v, a, b] = [await verdict(page), await digitView(page, "a"), await digitView(page, "b")];
  const le = first <= second;
  assert.equal(a.argmax, first, `first digit read as ${a.argmax}: ${JSON.stringify(a.probs)}`);
  assert.equal(b.argmax, second, `second digit read as ${b.argmax}: ${JSON.stringify(b.probs)}`);
  assert.equal(v.state, "ready");
  assert.equal(v.le, String(le), `verdict ${v.text} (P(≤) = ${v.pLe}) for ${first} vs ${second}`);
  assert.ok(le ? v.pLe >= 0.5 : v.pLe < 0.5);
  assert.match(v.text, le ? /first ≤ second/ : /first > second/);
  for (const { probs } of [a, b]) {
    assert.equal(probs.length, 10);
    assert.ok(Math.abs(probs.reduce((s, p) => s + p, 0) - 1) < 1e-4);
  }
  return v;
}

