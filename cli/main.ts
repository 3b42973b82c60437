#!/usr/bin/env -S deno run -A
/**
 * The `thing` command line: `thing <command> [flags]`. Bad flags exit with code 2 and one line
 * naming the flag, the value and what was expected; failures exit with code 1 and their message
 * (with the stack under `--verbose`).
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { connect } from "./connect.ts";
import { demo } from "./demo.ts";
import { UsageError } from "./flags.ts";
import { serve } from "./serve.ts";

/** Every subcommand by name; add a command here. */
export const commands: Record<string, Command> = { serve, connect, demo };

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const list = Object.entries(commands)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join("\n");
  return `Usage: thing <command> [flags]\n\nCommands:\n${list}\n\nthing <command> --help shows its flags.`;
}

/**
 * Runs the CLI with `argv` (without the runtime and script) and resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * process.exitCode = await main(["demo"]);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const verbose = rest.includes("--verbose");
  const stopper = new AbortController();
  const stop = () => stopper.abort();
  const io = {
    out: (line: string) => void process.stdout.write(`${line}\n`),
    err: (line: string) => void process.stderr.write(`${line}\n`),
    stdin: process.stdin,
    signal: stopper.signal,
  };
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`Unknown command "${name}": expected one of ${Object.keys(commands).join(", ")}`);
    return 2;
  }
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    if (values.help) {
      io.out(command.help);
      return 0;
    }
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`thing ${name}: ${error.message}`);
      return 2;
    }
    const code = (error as { code?: unknown })?.code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      io.err(`thing ${name}: ${(error as Error).message.split("\n")[0]}; see thing ${name} --help`);
      return 2;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    io.err(verbose ? (err.stack ?? err.message) : `thing ${name}: ${err.message}`);
    return 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2)));
}
