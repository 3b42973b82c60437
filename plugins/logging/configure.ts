/**
 * `configureThingLogging()`: the one-call LogTape setup an application or the CLI uses to see
 * Thing's logs. Libraries never call it, so Thing stays silent inside someone else's program.
 *
 * @module
 */
import {
  configure,
  getAnsiColorFormatter,
  getJsonLinesFormatter,
  getTextFormatter,
  type LogLevel,
  reset,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";
import process from "node:process";
import * as v from "valibot";

/** Where logs go and what they look like. */
export interface ThingLoggingConfig {
  /** The lowest level written (default `info`); `silent` removes Thing's sink. */
  level?: LogLevel | "silent";
  /** `pretty` text, `json` lines, or `auto`: pretty on a terminal, JSON otherwise (default). */
  format?: "pretty" | "json" | "auto";
  /** Colours in pretty output (default: when writing to a terminal). */
  color?: boolean;
  /** Receives each formatted line, newline included (default: standard error). */
  write?: (line: string) => void;
  /** The category to configure (default `["thing"]`, as in `logging()`). */
  category?: readonly string[];
}

/** The levels `--log-level` accepts, lowest first. */
export const LOG_LEVELS = [
  "trace",
  "debug",
  "info",
  "warning",
  "error",
  "fatal",
  "silent",
] as const;

const ConfigSchema = v.strictObject({
  level: v.optional(v.picklist(LOG_LEVELS)),
  format: v.optional(v.picklist(["pretty", "json", "auto"])),
  color: v.optional(v.boolean()),
  write: v.optional(v.function()),
  category: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
});

/**
 * Configures LogTape to write Thing's records, replacing any earlier LogTape configuration
 * (an application with its own LogTape setup adds a `["thing"]` logger to it instead).
 *
 * @throws {TypeError} when a setting is invalid, e.g. an unknown level
 * @example
 * ```ts
 * import { configureThingLogging } from "@thing/net/plugins/logging";
 *
 * await configureThingLogging({ level: "debug", format: "json" });
 * ```
 */
export async function configureThingLogging(config: ThingLoggingConfig = {}): Promise<void> {
  const parsed = v.safeParse(ConfigSchema, config);
  if (!parsed.success) {
    throw new TypeError(
      `Cannot configure logging: ${v.summarize(parsed.issues)}; use a level of ${
        LOG_LEVELS.join(", ")
      } and a format of pretty, json or auto`,
    );
  }
  const { level = "info", format = "auto", category = ["thing"] } = parsed.output;
  const write = config.write ?? ((line: string) => void process.stderr.write(line));
  const terminal = config.write === undefined && process.stderr.isTTY === true;
  await reset();
  if (level === "silent") return;
  const pretty = format === "pretty" || (format === "auto" && terminal);
  const formatter = pretty ? prettyFormatter(config.color ?? terminal) : jsonFormatter;
  const sink: Sink = (record) => write(formatter(record));
  await configure({
    reset: true,
    sinks: { thing: sink },
    loggers: [
      { category: [...category], lowestLevel: level, sinks: ["thing"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["thing"] },
    ],
  });
}

/** Removes the configuration `configureThingLogging()` made: Thing is silent again. */
export function resetThingLogging(): Promise<void> {
  return reset();
}

/** JSON lines: a stable template as `message`, the values under `properties`. */
const jsonFormatter: TextFormatter = getJsonLinesFormatter({
  categorySeparator: ".",
  message: "template",
});

function prettyFormatter(color: boolean): TextFormatter {
  const options = { timestamp: "time", value: "bare", category: "." } as const;
  return color ? getAnsiColorFormatter(options) : getTextFormatter(options);
}
