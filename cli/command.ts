/**
 * The shape of a CLI command: its flags (for `node:util` parseArgs), a help text, and `run`.
 *
 * @module
 */
import type { ParseArgsConfig } from "node:util";
import { UsageError } from "./flags.ts";

/** Flag values as parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command may touch: output lines, stdin, and a signal that fires on Ctrl-C/SIGTERM. */
export interface CommandIo {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** Writes raw text to stderr (no newline added), for progress bars. */
  status(text: string): void;
  /** Whether stdout and stderr are terminals. */
  tty: { out: boolean; err: boolean };
  /** Standard input. */
  stdin: NodeJS.ReadableStream;
  /** Aborted when the user asks the process to stop. */
  signal: AbortSignal;
}

/** One subcommand of `thing`. */
export interface Command {
  /** One line for the command list. */
  summary: string;
  /** Usage and flags, shown by `thing <command> --help`. */
  help: string;
  /** Flags, in parseArgs form. */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Whether the command takes positional arguments. */
  positionals?: boolean;
  /** Runs the command; resolves to the exit code. Throws UsageError for bad flags. */
  run(values: FlagValues, positionals: string[], io: CommandIo): Promise<number>;
}

/** The flags every command accepts. */
export const commonOptions: Command["options"] = {
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean" },
};

/**
 * Checks the count of positional arguments.
 *
 * @throws {UsageError} naming what was expected
 */
export function expectPositionals(positionals: string[], min: number, max: number, usage: string) {
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(
      `Invalid arguments ${JSON.stringify(positionals)}: expected ${usage}`,
    );
  }
}

/** Describes a session in one short token: the first 8 hex digits of its client ID. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}
