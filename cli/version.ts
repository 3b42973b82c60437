/**
 * `thing version`: the CLI's version and the runtime running it.
 *
 * @module
 */
import process from "node:process";
import { type Command, commonOptions } from "./command.ts";

/** The package version (kept equal to deno.json and package.json by a test). */
export const VERSION = "0.1.0";

/** The runtime running the CLI and its version, e.g. `["deno", "2.9.6"]`. */
export function runtime(): [name: string, version: string] {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun !== undefined) return ["bun", versions.bun];
  if (versions.deno !== undefined) return ["deno", versions.deno];
  return ["node", process.versions.node];
}

/** The `version` command. */
export const version: Command = {
  summary: "print the version of thing and of the runtime",
  help: `Usage: thing version [--json]

  --json              print {"version", "runtime", "runtimeVersion"}`,
  options: { ...commonOptions, json: { type: "boolean" } },
  run(values, _positionals, io) {
    const [name, runtimeVersion] = runtime();
    io.out(
      values.json === true
        ? JSON.stringify({ version: VERSION, runtime: name, runtimeVersion })
        : `thing ${VERSION} (${name} ${runtimeVersion})`,
    );
    return Promise.resolve(0);
  },
};
