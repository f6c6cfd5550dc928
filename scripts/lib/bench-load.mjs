// The load benchmark: the first meeting with the page on a phone. Serves www/ as GitHub
// Pages does (gzip for text and wasm, the weights as they are), every response of the
// browser (page and workers alike) through one shared link with a delay per request, and
// opens the page in a fresh browser profile with a phone's touch screen and viewport. Per
// network it prints, as medians over RUNS fresh visits:
//   - bytes (response bodies as sent) and requests before the model is ready
//     ("twinnet:ready") and before the first verdict, and what they were;
//   - navigation → ready, and navigation → first verdict: ready + the release → verdict
//     of the last stroke of two digits drawn right then (the person's drawing time left out);
//   - release → verdict painted (the page's "twinnet:release-to-verdict"): median and p95
//     over the releases of every run (≥ 20).
// Prints figures; asserts nothing.
//
//   node scripts/lib/bench-load.mjs [--runs 3] [--json]
//
// Networks: "slow 4G" (1.6 Mbit/s, 150 ms per request, Lighthouse's) and "10 Mbit/s"
// (40 ms per request). Needs www/ built (scripts/build-web.sh) and npm's playwright-core in
// tests/e2e (`npm ci --prefix tests/e2e`); scripts/bench-web.sh --load does both.
//   CHROMIUM=/path/to/chromium (default /usr/bin/chromium)

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { parseArgs } from "./args.mjs";
import { DIGITS } from "../../tests/e2e/digits.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// TWINNET_WWW: another build of the page (e.g. an older commit's www/, for a before/after).
const WWW = resolve(process.env.TWINNET_WWW ?? join(ROOT, "www"));
const { chromium } = createRequire(join(ROOT, "tests/e2e/package.json"))("playwright-core");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const NETWORKS = [
  { name: "slow 4G", bitsPerSecond: 1.6e6, requestMs: 150 },
  { name: "10 Mbit/s", bitsPerSecond: 10e6, requestMs: 40 },
];
/** A phone: its viewport, pixel ratio and touch screen. */
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
};
/** What GitHub Pages sends gzipped (the rest, weights and digits, as it is). */
const GZIPPED = new Set([".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".wasm"]);

function usage(problem) {
  console.error(`bench-load: ${problem}\nusage: node scripts/lib/bench-load.mjs [--runs N (1-10, default 3)] [--json]`);
  process.exit(2);
}

/**
 * One link shared by every response: each waits `requestMs` (the request's round trip),
 * then its body goes out in 1 KB chunks, one chunk after another on the link at
 * `bitsPerSecond`, interleaved first come, first served. Records every response.
 */
class Link {
  #freeAt = 0;
  log = [];
  constructor({ bitsPerSecond, requestMs }) {
    this.bytesPerMs = bitsPerSecond / 8 / 1000;
    this.requestMs = requestMs;
  }

  async send(response, path, status, headers, body) {
    const asked = Date.now();
    await new Promise((r) => setTimeout(r, this.requestMs));
    response.writeHead(status, { ...headers, "Content-Length": body.length });
    for (let i = 0; i < body.length; i += 1024) {
      const chunk = body.subarray(i, i + 1024);
      const at = Math.max(Date.now(), this.#freeAt);
      this.#freeAt = at + chunk.length / this.bytesPerMs;
      const wait = this.#freeAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      response.write(chunk);
    }
    response.end();
    this.log.push({ path, bytes: body.length, asked, done: Date.now() });
  }
}

/** Serves www/ through `link`; resolves with the server once it listens. */
async function serve(link) {
  const cache = new Map();
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    let file = normalize(join(WWW, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(WWW + sep)) file = join(WWW, "index.html");
    try {
      if (!cache.has(file)) {
        const raw = await readFile(file);
        const ext = extname(file);
        const gzip = GZIPPED.has(ext) && request.headers["accept-encoding"]?.includes("gzip");
        cache.set(file, { body: gzip ? gzipSync(raw, { level: 9 }) : raw, gzip, type: TYPES[ext] ?? "application/octet-stream" });
      }
      const { body, gzip, type } = cache.get(file);
      const headers = { "Content-Type": type, "Cache-Control": "max-age=600" };
      if (gzip) headers["Content-Encoding"] = "gzip";
      await link.send(response, path, 200, headers, body);
    } catch {
      await link.send(response, path, 404, { "Content-Type": "text/plain" }, Buffer.from("not found"));
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

/** A finger's stroke through Chrome DevTools Protocol touch events. */
async function touch(cdp, points) {
  const at = ([x, y]) => ({ touchPoints: [{ x, y, id: 1, radiusX: 4, radiusY: 4, force: 1 }] });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", ...at(points[0]) });
  for (const p of points.slice(1)) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", ...at(p) });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
}

const releases = (page) => page.evaluate(() => performance.getEntriesByName("twinnet:release-to-verdict").map((m) => m.duration));

/** Draws `digit` on pad `side` with a finger; resolves once its last release's verdict is painted. */
async function drawDigit(page, cdp, side, digit) {
  const box = await page.locator(`#canvas-${side}`).boundingBox();
  const before = (await releases(page)).length;
  for (const stroke of DIGITS[digit]) await touch(cdp, stroke.map(([x, y]) => [box.x + x * box.width, box.y + y * box.height]));
  const n = before + DIGITS[digit].length;
  await page.waitForFunction((n) => performance.getEntriesByName("twinnet:release-to-verdict").length >= n, n, { timeout: 60_000 });
}

/** One fresh visit on `network`: the figures of one run. */
async function visit(browser, network) {
  const link = new Link(network);
  const server = await serve(link);
  const context = await browser.newContext({ ...PHONE, serviceWorkers: "allow" });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => performance.getEntriesByName("twinnet:ready").length > 0, null, { timeout: 120_000 });
    const { origin, readyMs } = await page.evaluate(() => ({ origin: performance.timeOrigin, readyMs: performance.getEntriesByName("twinnet:ready")[0].startTime }));
    // A person's first pair, drawn as soon as the pads answer.
    await drawDigit(page, cdp, "a", 3);
    await drawDigit(page, cdp, "b", 8);
    const first = await releases(page);
    const verdictMs = readyMs + first.at(-1);
    const verdictAt = origin + verdictMs;
    const readyAt = origin + readyMs;
    // More releases for release → painted (the test digits, one stroke each).
    for (const [side, digit] of [["a", 1], ["b", 7], ["a", 7], ["b", 1], ["a", 3], ["b", 8], ["a", 8], ["b", 3], ["a", 1], ["b", 7]]) {
      await drawDigit(page, cdp, side, digit);
    }
    const all = await releases(page);
    const before = (at) => link.log.filter((r) => r.done <= at);
    const sum = (rows) => rows.reduce((s, r) => s + r.bytes, 0);
    return {
      readyMs,
      verdictMs,
      beforeReady: { bytes: sum(before(readyAt)), requests: before(readyAt).length },
      beforeVerdict: { bytes: sum(before(verdictAt)), requests: before(verdictAt).length, paths: before(verdictAt).map((r) => `${r.path} ${r.bytes}`) },
      releaseToVerdictMs: all,
    };
  } finally {
    await context.close();
    server.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)];

async function main() {
  const args = parseArgs(process.argv.slice(2), { runs: 3, json: false }, { "--runs": [1, 10] }, usage);
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  browserVersion = browser.version();
  const results = [];
  try {
    for (const network of NETWORKS) {
      const runs = [];
      for (let i = 0; i < args.runs; i++) runs.push(await visit(browser, network));
      const releasesMs = runs.flatMap((r) => r.releaseToVerdictMs);
      results.push({
        network: network.name,
        bits_per_second: network.bitsPerSecond,
        request_ms: network.requestMs,
        runs: args.runs,
        bytes_before_ready: median(runs.map((r) => r.beforeReady.bytes)),
        requests_before_ready: median(runs.map((r) => r.beforeReady.requests)),
        bytes_before_first_verdict: median(runs.map((r) => r.beforeVerdict.bytes)),
        requests_before_first_verdict: median(runs.map((r) => r.beforeVerdict.requests)),
        first_verdict_requests: runs[0].beforeVerdict.paths,
        navigation_to_ready_ms: median(runs.map((r) => r.readyMs)),
        navigation_to_first_verdict_ms: median(runs.map((r) => r.verdictMs)),
        release_to_verdict_ms: { n: releasesMs.length, median: median(releasesMs), p95: p95(releasesMs) },
      });
    }
  } finally {
    await browser.close();
  }
  if (args.json) return console.log(JSON.stringify({ browser: `Chromium ${browserVersion ?? ""}`.trim(), phone: PHONE, results }, null, 2));
  console.log(`Load benchmark: a fresh profile, phone viewport ${PHONE.viewport.width}×${PHONE.viewport.height} with touch, www/ served gzipped through one shared link; medians of ${args.runs} visits`);
  console.log("  network | bytes / requests before ready | before first verdict | navigation → ready | → first verdict | release → verdict painted, median / p95 (n)");
  for (const r of results) {
    const kb = (b) => `${(b / 1000).toFixed(1)} KB`;
    const rv = r.release_to_verdict_ms;
    console.log(
      `  ${r.network} (${r.request_ms} ms per request) | ${kb(r.bytes_before_ready)} / ${r.requests_before_ready} | ${kb(r.bytes_before_first_verdict)} / ${r.requests_before_first_verdict} | ` +
        `${(r.navigation_to_ready_ms / 1000).toFixed(2)} s | ${(r.navigation_to_first_verdict_ms / 1000).toFixed(2)} s | ${rv.median.toFixed(1)} / ${rv.p95.toFixed(1)} ms (${rv.n})`,
    );
  }
  console.log("  requests before the first verdict (first visit on the first network), bytes as sent:");
  for (const line of results[0].first_verdict_requests) console.log(`    ${line}`);
}

let browserVersion = null;
await main();
