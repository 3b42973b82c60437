/**
 * Flag checking shared by the commands: valibot schemas for hosts, ports and durations, and the
 * `UsageError` that `main.ts` turns into exit code 2 and a one-line message.
 *
 * @module
 */
import * as v from "valibot";
import { DELIVERY_MODES } from "../plugins/connection/mod.ts";
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
/** A whole number of ms from 0 (none) to 1 minute: `--delay`, `--jitter`. */
export const DelayFlag = integerText(0, 60_000);
/** A count from 1 to a million: `-c`, `--count`, `--burst`. */
export const CountFlag = integerText(1, 1_000_000);
/** A payload size in bytes: 0 to the largest payload, 65,443. */
export const SizeFlag = integerText(0, 65_443);
/** A random seed: 0 to 2^32 − 1. */
export const SeedFlag = integerText(0, 4_294_967_295);

const PROBABILITY = "a probability from 0 to 1 such as 0.05, or a percentage such as 5%";
/** A probability, `0.05` or `5%`, as a number from 0 to 1. */
export const ProbabilityFlag = v.pipe(
  v.string(),
  v.regex(/^(\d+(\.\d+)?%|\d*\.?\d+)$/, PROBABILITY),
  v.transform((text) => text.endsWith("%") ? Number(text.slice(0, -1)) / 100 : Number(text)),
  v.number(),
  v.minValue(0, PROBABILITY),
  v.maxValue(1, PROBABILITY),
);

/** `--blackhole ON_MS/OFF_MS`: a period dropping everything, then a period passing it. */
export const BlackholeFlag = v.pipe(
  v.string(),
  v.regex(/^\d+\/\d+$/, "ON_MS/OFF_MS such as 500/2000 (drop all for 500 ms of every 2.5 s)"),
  v.transform((text) => text.split("/").map(Number) as [number, number]),
  v.check(
    ([on, off]) => on > 0 && off > 0 && on + off <= 3_600_000,
    "ON_MS/OFF_MS with both above 0 and a cycle of at most an hour",
  ),
);

/** `--host`: a host name or IP literal. */
export const HostFlag = v.pipe(
  v.string(),
  v.regex(/^[\w.:-]+$/, "a host name or IP address such as 127.0.0.1 or ::1"),
);
/** `--channel MODE`: a delivery mode of the Connection data plugin's channels. */
export const ChannelFlag = v.picklist(DELIVERY_MODES, `one of ${DELIVERY_MODES.join(", ")}`);
/** `--flush MODE`: when packed messages leave (`tick`: coalesced; `immediate`: one per packet). */
export const FlushFlag = v.picklist(["tick", "immediate"], "tick or immediate");
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
 * Checks an optional flag: `undefined` when it was not given.
 */
export function optionalFlag<S extends v.GenericSchema>(
  name: string,
  schema: S,
  value: unknown,
): v.InferOutput<S> | undefined {
  return value === undefined ? undefined : flag(name, schema, value);
}

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

/** Splits `HOST:PORT` (or `[IPv6]:PORT`); `name` is the flag it came from, if any. */
export function hostPort(
  text: string | undefined,
  name?: string,
): { hostname: string; port: number } {
  const match = text === undefined ? null : /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!match) {
    throw new UsageError(
      `Invalid ${name === undefined ? "address" : `--${name}`} ${
        JSON.stringify(text ?? "")
      }: expected HOST:PORT such as 127.0.0.1:7777`,
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
