// `npm test`: every *.test.mjs of this folder, found here rather than listed, so that a new
// test file is never left out; one file at a time (each starts a browser and a server).
// Arguments go to node's test runner, e.g. `npm test -- --test-name-pattern=weights`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
// package.json's engines (playwright-core needs Node 20; --test-concurrency, 20.10).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 10)) {
  console.error(`e2e: Node.js ${process.versions.node} is too old; the tests need 20.10 or newer`);
  process.exit(1);
}
const files = readdirSync(HERE)
  .filter((name) => name.endsWith(".test.mjs"))
  .sort();
if (files.length === 0) {
  console.error(`e2e: no *.test.mjs in ${HERE}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=1", ...process.argv.slice(2), ...files],
  { cwd: HERE, stdio: "inherit" },
);
process.exit(result.status ?? 1);
