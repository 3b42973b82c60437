/**
 * What the one-tree-against-another benches share: reading a `--name value` argument, and running
 * the bench file itself again in a child process (Bun, or Deno with `-A --unstable-net` and any
 * extra runtime flags) whose last stdout line is its JSON result.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** The value after `name` on the command line, or undefined. */
export function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

/**
 * Runs `file` with `args` in a child process of this runtime and resolves with the JSON of its last
 * stdout line; rejects when there is none, and kills the child after `timeoutMs`.
 */
export function childResult<T>(
  file: string,
  args: string[],
  timeoutMs: number,
  denoFlags: string[] = [],
): Promise<T> {
  const runner = "Bun" in globalThis ? [file] : ["run", "-A", "--unstable-net", ...denoFlags, file];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...runner, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout!.on("data", (chunk) => (out += chunk));
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.on("close", () => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop();
      line?.startsWith("{") ? resolve(JSON.parse(line)) : reject(new Error(`no result: ${out}`));
    });
  });
}
