/**
 * Flag checking shared by the commands: valibot schemas for hosts, ports and durations, and the
 * `UsageError` that `main.ts` turns into exit code 2 and a one-line message.
 *
 * @module
 */
import * as v from "valibot";
import { dialects, transports } from "./registry.ts";

/** A bad flag or argument: the user typed something we cannot use (exit code 2). */
export class UsageError extends Error {
  /** Creates a usage error; `message` is the single line shown to the user. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const integerText = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, `an integer from ${min} to ${max}`),
    v.transform(Number),
    v.number(),
    v.minValue(min, `an integer from ${min} to ${max}`),
    v.maxValue(max, `an integer from ${min} to ${max}`),
  );

/** `--port`: 0..65535. */
export const PortFlag = integerText(0, 65_535);
/** A duration in ms, 1 ms to 1 day. */
export const MillisecondsFlag = integerText(1, 86_400_000);
/** `--host`: a host name or IP literal. */
export const HostFlag = v.pipe(
  v.string(),
  v.regex(/^[\w.:-]+$/, "a host name or IP address such as 127.0.0.1 or ::1"),
);
/** `--dialect`: a registered dialect. */
export const DialectFlag = v.pipe(
  v.string(),
  v.check((name) => Object.hasOwn(dialects, name), () => `one of ${names(dialects)}`),
);
/** `--transport`: a registered transport. */
export const TransportFlag = v.pipe(
  v.string(),
  v.check((name) => Object.hasOwn(transports, name), () => `one of ${names(transports)}`),
);

/**
 * Checks one flag's value, throwing a UsageError that names the flag, the value and what it
 * should be.
 */
export function flag<S extends v.GenericSchema>(
  name: string,
  schema: S,
  value: unknown,
): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  throw new UsageError(
    `Invalid --${name} ${JSON.stringify(value)}: expected ${result.issues[0].message}`,
  );
}

/** Splits `HOST:PORT` (or `[IPv6]:PORT`). */
export function hostPort(text: string | undefined): { hostname: string; port: number } {
  const match = text === undefined ? null : /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!match) {
    throw new UsageError(
      `Invalid address ${JSON.stringify(text ?? "")}: expected HOST:PORT such as 127.0.0.1:7777`,
    );
  }
  return {
    hostname: flag("host", HostFlag, match[1] ?? match[2]),
    port: flag("port", PortFlag, match[3]),
  };
}

function names(record: Record<string, unknown>): string {
  return Object.keys(record).map((name) => `'${name}'`).join(", ");
}
