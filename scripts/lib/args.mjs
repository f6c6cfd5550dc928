// The command-line arguments of the node scripts in scripts/lib: `--json`, and flags that
// take a whole number within a range. Anything else is refused through the script's `usage`.

/**
 * @param {string[]} argv the arguments after the script's name
 * @param {object} defaults every value, e.g. {runs: 3, json: false}
 * @param {{[flag: string]: [number, number, ((v: number) => boolean)?]}} ranges a flag
 *   (`"--runs"`) → [min, max] and, optionally, a further check of the value
 * @param {(problem: string) => never} usage prints the problem and the usage, and exits
 */
export function parseArgs(argv, defaults, ranges, usage) {
  const args = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") args.json = true;
    else if (a in ranges) {
      const v = Number(argv[++i]);
      const [min, max, ok = () => true] = ranges[a];
      if (!Number.isInteger(v) || v < min || v > max || !ok(v)) usage(`${a} takes a whole number from ${min} to ${max}, got ${argv[i]}`);
      args[a.slice(2)] = v;
    } else usage(`unknown argument ${a}`);
  }
  return args;
}
