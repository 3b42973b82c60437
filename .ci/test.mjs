// Runs the whole test suite under Deno and Bun, prints one line per runtime and a final
// `N passed, N failed` line, and exits non-zero on any failure or on a runner that crashed
// without a summary. Passing tests stay quiet; failures are shown in full.
//
// Counting: Bun reports leaf tests (`it`/`test`). Deno reports top-level tests plus "steps"
// (`describe` blocks become tests, `it` blocks steps), so its leaf tests are read from a
// JUnit report: a test case is a leaf when no other case is nested under its name.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { stripVTControlCharacters } from "node:util";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const timeoutMs = Number(process.env.THING_TEST_TIMEOUT_MS ?? 8 * 60_000);
const env = {
  ...process.env,
  PATH: `${join(root, ".tools", "node_modules", ".bin")}:${join(root, "node_modules", ".bin")}:${
    process.env.PATH ?? ""
  }`,
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  DENO_NO_UPDATE_CHECK: "1",
  DENO_NO_PROMPT: "1",
};

/** Every `*_test.ts` file under tests/, relative to the repo root. */
function testFiles(dir = join(root, "tests")) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith("_test.ts") ? [relative(root, path)] : [];
  });
}

/** Runs a command, collecting stdout and stderr interleaved; kills it after `timeoutMs`. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let timedOut = false;
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => (output += `\n${error.message}\n`));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      // deno colours some errors even under NO_COLOR; strip escapes so parsing sees plain text.
      output = stripVTControlCharacters(output);
      resolve({ code: code ?? 1, signal, timedOut, output, seconds });
    });
  });
}

function decodeXml(text) {
  return text.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, name) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[name],
  );
}

/** Leaf test counts from a Deno JUnit report, or undefined when there is none. */
function denoLeaves(junitPath) {
  if (!existsSync(junitPath)) return undefined;
  const xml = readFileSync(junitPath, "utf8");
  const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)]
    .map(([, name, body]) => ({
      name: decodeXml(name),
      failed: /<(failure|error)\b/.test(body),
      skipped: /<skipped\b/.test(body),
    }));
  const names = cases.map((c) => c.name);
  const leaves = cases.filter((c) => !names.some((other) => other.startsWith(`${c.name} > `)));
  return {
    passed: leaves.filter((c) => !c.failed && !c.skipped).length,
    failed: leaves.filter((c) => c.failed).length,
    skipped: leaves.filter((c) => c.skipped).length,
  };
}

async function runDeno(files) {
  const dir = mkdtempSync(join(tmpdir(), "thing-deno-test-"));
  const junit = join(dir, "report.xml");
  try {
    const result = await run("deno", ["test", "-A", "--quiet", `--junit-path=${junit}`, ...files]);
    const summary = result.output.match(
      /^(ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/m,
    );
    const leaves = denoLeaves(junit);
    const failuresAt = result.output.search(/^ ERRORS $/m);
    const detail = failuresAt >= 0 ? result.output.slice(failuresAt) : result.output;
    if (!summary || !leaves || result.timedOut) return crashed("deno", result);
    const summaryFailed = Number(summary[4]) + Number(summary[5] ?? 0);
    return {
      runtime: "deno",
      passed: leaves.passed,
      // A failure outside any test case (e.g. a leaking op) still fails the run.
      failed: Math.max(leaves.failed, summaryFailed > 0 || result.code !== 0 ? 1 : 0),
      skipped: leaves.skipped,
      seconds: result.seconds,
      detail: result.code === 0 && summaryFailed === 0 ? "" : detail,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runBun(files) {
  // Bun stops a test after 5 s by default; a test that starts several CLI processes can take longer
  // on a loaded machine. Its own waits are bounded; this only guards against a hang, as Deno has none.
  const result = await run("bun", [
    "test",
    "--timeout",
    "30000",
    "--only-failures",
    ...files.map((f) => `./${f}`),
  ]);
  const count = (word) => {
    const match = result.output.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"));
    return match ? Number(match[1]) : undefined;
  };
  const passed = count("pass");
  const failed = count("fail");
  if (passed === undefined || failed === undefined || result.timedOut) {
    return crashed("bun", result);
  }
  // Bun counts an error outside tests as a fail too; a failing exit with no fail still fails.
  const errors = count("errors?") ?? 0;
  const total = failed > 0 ? failed : (errors > 0 || result.code !== 0 ? 1 : 0);
  return {
    runtime: "bun",
    passed,
    failed: total,
    skipped: (count("skip") ?? 0) + (count("todo") ?? 0),
    seconds: result.seconds,
    detail: total === 0 ? "" : result.output,
  };
}

function crashed(runtime, result) {
  const why = result.timedOut
    ? `timed out after ${timeoutMs / 1000} s`
    : `exited with code ${result.code} without a test summary`;
  return {
    runtime,
    passed: 0,
    failed: 1,
    skipped: 0,
    seconds: result.seconds,
    detail: `${result.output}\n${runtime} ${why}\n`,
  };
}

const files = testFiles();
if (files.length === 0) {
  console.log("No *_test.ts files under tests/: nothing to run");
  console.log("0 passed, 1 failed");
  process.exit(1);
}
console.log(`Running ${files.length} test files under Deno and Bun`);
let passed = 0;
let failed = 0;
for (const runner of [runDeno, runBun]) {
  const result = await runner(files);
  if (result.detail) {
    console.log(`\n----- ${result.runtime} failures -----\n${result.detail.trimEnd()}\n`);
  }
  const skipped = result.skipped ? `, ${result.skipped} skipped` : "";
  console.log(
    `${result.runtime}: ${result.passed} passed, ${result.failed} failed${skipped} (${result.seconds} s)`,
  );
  passed += result.passed;
  failed += result.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
