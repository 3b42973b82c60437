/**
 * Runs the `thing` CLI as a user would: a child process of `deno run -A cli/main.ts` or
 * `bun cli/main.ts`, with output collected, a deadline, and a kill on the way out.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A runtime that can run the CLI. */
export type Runtime = "deno" | "bun";

/** The runtime running this test, and the other one. */
export const here: Runtime = "Bun" in globalThis ? "bun" : "deno";
/** The runtime not running this test. */
export const there: Runtime = here === "bun" ? "deno" : "bun";

/** A running CLI process. */
export interface Cli {
  /** The process. */
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stdout/stderr match of `pattern` (rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /**
   * Sends `signal` as a user's Ctrl-C or `kill` would. (Deno's `child.kill()` makes the exit code
   * read as null even when the child exits cleanly, so this goes through `process.kill`.)
   */
  signal(signal: "SIGINT" | "SIGTERM"): void;
  /** Resolves with the exit code (kills the process and rejects after `ms`). */
  exited(ms?: number): Promise<number | null>;
}

/** What a finished CLI run printed, and its exit code. */
export interface Finished {
  /** Exit code (null when killed). */
  code: number | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Runs `thing <args>` to the end (with `stdin` as input, if given), within `ms`. */
export async function run(
  runtime: Runtime,
  args: string[],
  stdin = "",
  ms = 4_000,
): Promise<Finished> {
  const cli = thing(runtime, args);
  cli.child.stdin!.end(stdin);
  const code = await cli.exited(ms);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Starts `thing serve --port 0 <args>` and resolves with the process and its port. */
export async function serveOn(
  runtime: Runtime,
  args: string[] = [],
): Promise<{ server: Cli; port: number }> {
  const server = thing(runtime, ["serve", "--port", "0", ...args]);
  const [, port] = await server.waitFor(/listening on \w+ 127\.0\.0\.1:(\d+)/, 10_000);
  return { server, port: Number(port) };
}

/** Stops a server with Ctrl-C and resolves with its exit code. */
export async function stop(server: Cli): Promise<number | null> {
  server.signal("SIGINT");
  return await server.exited(10_000);
}

/** Starts `thing <args>` under `runtime`. */
export function thing(runtime: Runtime, args: string[]): Cli {
  const prefix = runtime === "deno" ? ["run", "-A", "cli/main.ts"] : ["cli/main.ts"];
  // `deno` and `bun` come from PATH (`bash .ci/tools` puts them there).
  const child = spawn(runtime, [...prefix, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  child.stdout!.on("data", (chunk) => {
    out += chunk;
    changed();
  });
  child.stderr!.on("data", (chunk) => {
    err += chunk;
    changed();
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    signal: (signal) => void process.kill(child.pid!, signal),
    waitFor(pattern, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern) ?? err.match(pattern);
          if (!match) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`No ${pattern} within ${ms} ms; stdout: ${out}; stderr: ${err}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async exited(ms = 10_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`Still running after ${ms} ms; stdout: ${out}; stderr: ${err}`));
        }, ms);
      });
      try {
        return await Promise.race([exit, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
