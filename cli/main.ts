#!/usr/bin/env -S deno run -A
/**
 * The `thing` command line: `thing <command> [flags]`. Bad flags exit with code 2 and one line
 * naming the flag, the value and what was expected; failures exit with code 1 and their message
 * (with the stack under `--verbose`).
 *
 * @module
 */
import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bench } from "./bench.ts";
import type { Command, CommandIo } from "./command.ts";
import { connect } from "./connect.ts";
import { demo } from "./demo.ts";
import { UsageError } from "./flags.ts";
import { inspect } from "./inspect.ts";
import { keygen } from "./keygen.ts";
import { colorsWanted } from "./output.ts";
import { ping } from "./ping.ts";
import { relay } from "./relay.ts";
import { send } from "./send.ts";
import { serve } from "./serve.ts";
import { VERSION, version } from "./version.ts";

/** Every subcommand by name; add a command here. */
export const commands: Record<string, Command> = {
  serve,
  connect,
  send,
  ping,
  bench,
  inspect,
  relay,
  keygen,
  demo,
  version,
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length), 4);
  const list = Object.entries(commands)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join("\n");
  return `thing ${VERSION}: build and test packet protocols over UDP, TCP and WebSocket

Usage: thing <command> [flags]

Commands:
${list}
  ${"help".padEnd(width)}  show this list, or a command's flags (thing help <command>)

Run 'thing <command> --help' for a command's flags. Exit codes: 0 ok, 1 failure, 2 bad usage.`;
}

/**
 * The process's streams as a CommandIo. When stdout's reader goes away (`thing … | head`), output
 * stops quietly and the command is asked to stop, as on Ctrl-C.
 */
function standardIo(stopper: AbortController): CommandIo {
  let closed = false;
  const broken = (error: unknown) => {
    if ((error as { code?: unknown })?.code !== "EPIPE") throw error;
    closed = true;
    stopper.abort();
  };
  process.stdout.on("error", broken);
  return {
    out(line) {
      if (closed) return;
      try {
        process.stdout.write(`${line}\n`);
      } catch (error) {
        broken(error);
      }
    },
    err: (line) => void process.stderr.write(`${line}\n`),
    status: (text) => void process.stderr.write(text),
    stdin: process.stdin,
    signal: stopper.signal,
    tty: { out: colorsWanted(process.stdout.isTTY), err: process.stderr.isTTY === true },
  };
}

/**
 * Runs the CLI with `argv` (without the runtime and script) and resolves to the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 *
 * process.exitCode = await main(["version"]);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const verbose = rest.includes("--verbose");
  const stopper = new AbortController();
  const stop = () => stopper.abort();
  const io = standardIo(stopper);
  if (name === undefined) {
    io.err(usage());
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic === undefined) {
      io.out(usage());
      return 0;
    }
    const command = Object.hasOwn(commands, topic) ? commands[topic] : undefined;
    if (!command) return unknown(topic, io);
    io.out(command.help);
    return 0;
  }
  if (name === "--version" || name === "-V") return await version.run({}, [], io);
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) return unknown(name, io);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const { values, positionals } = parseArgs({
      args: attachValues(rest, command.options),
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

/**
 * Writes `--flag VALUE` as `--flag=VALUE` for flags that take a value, so a value that starts
 * with `-` (`--port -1`, a base64url key such as `-Xb3…`) reaches the flag's own check instead of
 * parseArgs' "ambiguous" error. A next word that is itself one of the command's flags stays a flag.
 */
function attachValues(args: string[], options: Command["options"]): string[] {
  const takesValue = new Set<string>();
  const flags = new Set<string>(["--", "-h", "--help"]);
  for (const [long, option] of Object.entries(options)) {
    flags.add(`--${long}`);
    if (option.short) flags.add(`-${option.short}`);
    if (option.type !== "string") continue;
    takesValue.add(`--${long}`);
    if (option.short) takesValue.add(`-${option.short}`);
  }
  const isFlag = (word: string) => flags.has(word.split("=")[0]!);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (takesValue.has(arg) && next?.startsWith("-") && !isFlag(next)) {
      out.push(arg.startsWith("--") ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function unknown(name: string, io: CommandIo): number {
  io.err(
    `Unknown command "${name}": expected one of ${
      Object.keys(commands).join(", ")
    }, help; run 'thing help'`,
  );
  return 2;
}

/**
 * Whether this module is the program's entry point. Deno and Bun say so in `import.meta.main`;
 * Node 20 lacks it, so compare the script path (through the npm bin symlink) with this file.
 */
function isEntryPoint(): boolean {
  const meta = import.meta as ImportMeta & { main?: boolean };
  if (typeof meta.main === "boolean") return meta.main;
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
  // Exit naturally, so a piped stdout drains (Bun's process.exit() cuts it at the pipe's 64 KiB);
  // the unref'd timer ends the process only if something still holds the event loop.
  process.stdin.destroy();
  setTimeout(() => process.exit(), 500).unref();
}
