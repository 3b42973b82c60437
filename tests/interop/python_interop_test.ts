/**
 * The interop matrix of `interop/run.py`: a Python peer written from docs/PROTOCOL.md alone,
 * against this checkout's `thing` CLI started with the runtime that runs this test.
 * Skips with a message when python3 (3.10 or later) is missing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = fileURLToPath(new URL("../../", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

/** Quotes one word for the runner's shlex.split. */
function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command that runs the CLI on this runtime: deno run -A cli/main.ts, or bun cli/main.ts. */
function cliCommand(): string {
  const main = shellWord(`${root}cli/main.ts`);
  return deno
    ? `${shellWord(deno.execPath())} run -A ${main}`
    : `${shellWord(process.execPath)} ${main}`;
}

/** Why the matrix cannot run here, or null when python3 >= 3.10 is there. */
function pythonMissing(): string | null {
  const probe = spawnSync("python3", ["-c", "import sys; print(sys.version_info >= (3, 10))"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (probe.error) return `python3 is not installed (${probe.error.message})`;
  if (probe.stdout.trim() !== "True") return "python3 is older than 3.10";
  return null;
}

const missing = pythonMissing();
if (missing) console.log(`SKIPPED: ${missing}; the interop matrix needs it`);

test("interop: the Python peer and the thing CLI pass every scenario", {
  skip: missing ?? false,
  timeout: 150_000,
}, () => {
  const run = spawnSync("python3", [`${root}interop/run.py`, "--cli", cliCommand()], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    killSignal: "SIGKILL",
  });
  const lines = run.stdout.split("\n").filter((line) => line.length > 0);
  // XFAIL: a known CLI failure listed in interop/scenarios/__init__.py; XPASS counts as a failure.
  const verdicts = lines.filter((line) => /^(PASS|FAIL|XFAIL|XPASS) /.test(line));
  const failed = verdicts.filter((line) => /^(FAIL|XPASS) /.test(line));
  assert.deepEqual(failed, [], `${failed.join("\n")}\n${run.stderr}`);
  assert.ok(verdicts.length >= 31, `only ${verdicts.length} scenarios ran:\n${run.stdout}`);
  assert.equal(run.status, 0, `run.py exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
});
