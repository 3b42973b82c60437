/**
 * The options of the Connection dialect's plugins, their defaults, and the valibot schemas that
 * check them once, in the factories.
 *
 * @module
 */
import * as v from "valibot";
import { PluginError } from "../../core/errors.ts";
import { MAX_PAYLOAD_SIZE } from "../../core/packet.ts";
import { type CongestionFactory, lossTolerantReno } from "../../reliability/mod.ts";
import { DELIVERY_MODES, type DeliveryMode, MAX_CHANNEL } from "./channels.ts";

const ms = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));
const count = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));

/** Options of `connectionSession()`: handshake, keepalive, reconnection and goodbye. */
export interface SessionOptions {
  /** Server: a HELLO whose timestamp is further than this from now (ms) is discarded (30,000). */
  helloWindow?: number;
  /** Server: a session that hears nothing for this long (ms) is ended (15,000). */
  timeout?: number;
  /** Server: HELLOs beyond this many sessions are REJECTed (unlimited). */
  maxSessions?: number;
  /** Client: ms between PINGs (1,000). */
  pingInterval?: number;
  /** Client: silence from the server (ms) after which the session is re-established (3,500). */
  pongTimeout?: number;
  /** Client: first HELLO retransmission delay (ms); doubles, with jitter, each try (250). */
  helloRetry?: number;
  /** Client: longest HELLO retransmission delay (ms) (4,000). */
  helloRetryMax?: number;
  /** Client: HELLOs sent before connecting or reconnecting fails (8). */
  helloTries?: number;
  /** Client: re-establish a session whose server went silent, instead of ending it (true). */
  reconnect?: boolean;
  /** Client: ms between DISCONNECT retransmissions (250). */
  disconnectRetry?: number;
  /** Client: DISCONNECTs sent before the session ends without a REJECT (5). */
  disconnectTries?: number;
}

/** Options of `connectionData()`: acknowledgement, retransmission and delivery. */
export interface DataOptions {
  /** RTO before the first RTT sample (ms) (1,000, RFC 6298). */
  initialRto?: number;
  /** Smallest RTO (ms) (200). */
  minRto?: number;
  /** Largest RTO, backoff included (ms) (10,000). */
  maxRto?: number;
  /** Retransmissions of a DATA_ACK before its `send()` fails with a TimeoutError (10). */
  maxRetransmits?: number;
  /** DATA_ACK messages awaiting ACK per session; later sends wait their turn (1,024). */
  maxInFlight?: number;
  /** Order counts the receiver remembers for exactly-once delivery; a multiple of 32 (8,192). */
  window?: number;
  /**
   * The channels and their delivery modes, by channel number 0..255: an array
   * (`["reliable-ordered", "unreliable"]` is channels 0 and 1) or an object (`{ 0: …, 7: … }`).
   * Both ends configure the same. Default: channel 0 `reliable-ordered`.
   */
  channels?: readonly DeliveryMode[] | Readonly<Record<number, DeliveryMode>>;
  /**
   * Messages of one reliable channel that may be unacknowledged at once, which is also how many
   * out-of-order messages an ordered channel buffers (1,024).
   */
  reorderWindow?: number;
  /** Largest FRAMED payload in bytes that messages are packed into (16,384). */
  packetSize?: number;
  /**
   * When packed messages leave: `"tick"` (default) at the end of the current tick, so that sends
   * of one tick share packets; `"immediate"`: at once, one packet per message (latency first).
   */
  flush?: "tick" | "immediate";
  /** Offer and accept FRAMED packets and channels in the handshake (true); false: seed only. */
  framed?: boolean;
  /**
   * The congestion controller of FRAMED packets (`lossTolerantReno` from
   * `@thing/net/reliability`: it halves only for losses that come with a queue, so random loss
   * does not throttle the session; `newReno` also fits).
   */
  congestion?: CongestionFactory;
}

/** Every option of `connection()`. */
export type ConnectionOptions = SessionOptions & DataOptions;

/** Session options with their defaults filled in. */
export type ResolvedSessionOptions = Required<Omit<SessionOptions, "maxSessions">> & {
  maxSessions: number;
};

/** Data options with their defaults filled in; `channels` as a mode per channel number. */
export type ResolvedDataOptions = Required<Omit<DataOptions, "channels">> & {
  channels: readonly (DeliveryMode | undefined)[];
};

const sessionEntries = {
  helloWindow: v.optional(ms(1), 30_000),
  timeout: v.optional(ms(1), 15_000),
  maxSessions: v.optional(count(0), Number.MAX_SAFE_INTEGER),
  pingInterval: v.optional(ms(1), 1_000),
  pongTimeout: v.optional(ms(1), 3_500),
  helloRetry: v.optional(ms(1), 250),
  helloRetryMax: v.optional(ms(1), 4_000),
  helloTries: v.optional(count(1), 8),
  reconnect: v.optional(v.boolean(), true),
  disconnectRetry: v.optional(ms(1), 250),
  disconnectTries: v.optional(count(1), 5),
};

const dataEntries = {
  initialRto: v.optional(ms(1), 1_000),
  minRto: v.optional(ms(1), 200),
  maxRto: v.optional(ms(1), 10_000),
  maxRetransmits: v.optional(count(0), 10),
  maxInFlight: v.optional(count(1), 1_024),
  window: v.optional(
    v.pipe(
      count(64),
      v.maxValue(1 << 20),
      v.check((n) => n % 32 === 0, "a multiple of 32"),
    ),
    8_192,
  ),
  channels: v.optional(
    v.union([
      v.pipe(v.array(v.picklist(DELIVERY_MODES)), v.maxLength(MAX_CHANNEL + 1)),
      v.pipe(
        v.record(
          v.pipe(v.string(), v.regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/, "a channel 0..255")),
          v.picklist(DELIVERY_MODES),
        ),
      ),
    ]),
    ["reliable-ordered"],
  ),
  reorderWindow: v.optional(v.pipe(count(1), v.maxValue(1 << 16)), 1_024),
  packetSize: v.optional(v.pipe(count(64), v.maxValue(MAX_PAYLOAD_SIZE)), 16_384),
  flush: v.optional(v.picklist(["tick", "immediate"]), "tick"),
  framed: v.optional(v.boolean(), true),
  congestion: v.optional(
    v.custom<CongestionFactory>((f) => typeof f === "function", "a congestion factory"),
    () => lossTolerantReno,
  ),
};

const SessionSchema = v.strictObject(sessionEntries);
const DataSchema = v.strictObject(dataEntries);
const ConnectionSchema = v.strictObject({ ...sessionEntries, ...dataEntries });

/**
 * Checks `input` against `schema`, throwing a PluginError that names the first bad option.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS`
 */
function parse<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  plugin: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input ?? {});
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = issue.path?.map((item) => String(item.key)).join(".") ?? "options";
  const got = issue.input === undefined ? "" : ` ${JSON.stringify(issue.input)}`;
  throw new PluginError(
    "THING_ERR_PLUGIN_OPTIONS",
    `Cannot use option "${key}"${got} of plugin "${plugin}": ${
      issue.type === "strict_object" ? "it is not an option" : issue.message
    }; fix or remove it`,
  );
}

/** Validates session options and fills in defaults. */
export function parseSessionOptions(input: unknown, plugin: string): ResolvedSessionOptions {
  return parse(SessionSchema, input, plugin);
}

/** Validates data options and fills in defaults. */
export function parseDataOptions(input: unknown, plugin: string): ResolvedDataOptions {
  const { channels, ...options } = parse(DataSchema, input, plugin);
  if (options.minRto > options.maxRto) {
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      `Cannot use option "minRto" ${options.minRto} of plugin "${plugin}": it exceeds maxRto ${options.maxRto}; lower it`,
    );
  }
  const modes: (DeliveryMode | undefined)[] = new Array(MAX_CHANNEL + 1).fill(undefined);
  for (const [channel, mode] of Object.entries(channels)) modes[Number(channel)] = mode;
  return { ...options, channels: modes };
}

/** Validates the combined options of `connection()` (so a misspelt key is caught). */
export function parseConnectionOptions(input: unknown, plugin: string): ConnectionOptions {
  return parse(ConnectionSchema, input, plugin);
}

/** The session plugin's keys, to split `connection()` options. */
export const sessionKeys: readonly string[] = Object.keys(sessionEntries);
