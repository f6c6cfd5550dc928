// scripts/lib/serve.py on a free localhost port, for the node programs that drive a browser
// (scripts/lib/bench-web.mjs, tests/e2e/harness.mjs).

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SERVE_PY = join(dirname(fileURLToPath(import.meta.url)), "serve.py");

/**
 * Serves `dir` (under the URL path `base`, default "/"); resolves with `{server, url}` once
 * serve.py says where (`server.kill()` stops it), rejects if it cannot start.
 * @param {{dir: string, base?: string}} options
 */
export function serveLocal({ dir, base }) {
  const args = [SERVE_PY, "--dir", dir, "--port", "0", "--quiet", ...(base ? ["--base", base] : [])];
  return new Promise((resolvePromise, reject) => {
    const server = spawn("python3", args, { stdio: ["ignore", "pipe", "inherit"] });
    server.on("error", reject);
    server.on("exit", (code) => reject(new Error(`serve.py exited with ${code}`)));
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/serving (\S+)/);
      if (match) resolvePromise({ server, url: match[1] });
    });
  });
}
