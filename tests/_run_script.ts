/**
 * Runs a script in a child process of this test's own runtime (`process.execPath`), to its end
 * within a deadline, and kills it on the way out if it is still running.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { within } from "./_within.ts";

/** What a finished child printed, and its exit code. */
export interface ScriptRun {
  /** Exit code (null when killed). */
  code: number | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/**
 * Runs `process.execPath args` (so `["run", "-A", file]` under Deno, `[file]` under Bun).
 *
 * @param what names the wait in the error if the child outlives `ms`
 */
export async function runScript(args: string[], what: string, ms = 20_000): Promise<ScriptRun> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    const code = await within(ms, exited, what);
    return { code, stdout, stderr };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
