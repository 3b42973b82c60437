/**
 * `logging()`: a plugin that turns endpoint events and packets into LogTape records. It only
 * calls `getLogger()`, so a library using Thing stays silent until the application configures
 * LogTape (or calls `configureThingLogging()`).
 *
 * Categories, under `["thing"]` by default:
 * - `["thing", "packet"]`: the packet trace (debug), drops (debug), retransmissions (debug),
 *   RTT samples (trace);
 * - `["thing", "session"]`: sessions opened, suspended, resumed and closed (info);
 * - `["thing", "endpoint"]`: non-fatal errors (error).
 *
 * Put it first in the plugin list to trace packets as they are on the wire: inbound middleware
 * runs in plugin order and outbound in reverse, so the first plugin sees a packet last on its way
 * out and first on its way in.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import * as v from "valibot";
import type { PacketContext } from "../../core/context.ts";
import { toHex } from "../../core/hex.ts";
import { HEADER_SIZE } from "../../core/packet.ts";
import type { Plugin } from "../../core/plugin.ts";
import type { Session } from "../../core/session.ts";
import { addressKey } from "../../core/transport.ts";

/** How `logging()` behaves. */
export interface LoggingOptions {
  /** The category every Thing logger sits under (default `["thing"]`). */
  category?: readonly string[];
  /** Adds payload bytes (hex) to the packet trace; off by default, payloads may be secret. */
  logPayloads?: boolean;
  /** How many payload bytes the trace shows when `logPayloads` is on (default 64). */
  payloadLimit?: number;
}

const OptionsSchema = v.strictObject({
  category: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
  logPayloads: v.optional(v.boolean()),
  payloadLimit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/** The first 8 hex digits of a client ID: enough to tell sessions apart in a log. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * Creates the logging plugin.
 *
 * @throws {TypeError} when an option has the wrong type
 * @example
 * ```ts
 * import { listen } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * import { logging } from "@thing/net/plugins/logging";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const server = await listen({ transport: udp(), plugins: [logging(), ...connection()] });
 * await server.close();
 * ```
 */
export function logging(options: LoggingOptions = {}): Plugin {
  const parsed = v.safeParse(OptionsSchema, options);
  if (!parsed.success) {
    throw new TypeError(
      `Cannot create the logging plugin: ${v.summarize(parsed.issues)}; check its options`,
    );
  }
  const { category = ["thing"], logPayloads = false, payloadLimit = 64 } = parsed.output;
  return {
    name: "thing:logging",
    seed: { category, logPayloads, payloadLimit },
    setup(api) {
      const packets = getLogger([...category, "packet"]);
      const sessions = getLogger([...category, "session"]);
      const endpoint = getLogger([...category, "endpoint"]);
      const lastRtt = new WeakMap<Session, number>();
      const role = api.role;

      api.use((ctx, next) => {
        if (packets.isEnabledFor("debug")) {
          const rtt = ctx.session ? lastRtt.get(ctx.session) : undefined;
          packets.debug(traceMessage(rtt !== undefined, logPayloads), {
            role,
            ...traceProperties(ctx, api.typeName(ctx.packet.type), logPayloads ? payloadLimit : -1),
            ...(rtt === undefined ? {} : { rtt }),
          });
        }
        return next();
      });

      api.on(
        "session",
        ({ session }) =>
          sessions.info("Session {client} open with {peer}", sessionProperties(role, session)),
      );
      api.on(
        "suspend",
        ({ session, reason }) =>
          sessions.info("Session {client} suspended: {reason}", {
            ...sessionProperties(role, session),
            reason,
          }),
      );
      api.on(
        "resume",
        ({ session }) =>
          sessions.info("Session {client} resumed with {peer}", sessionProperties(role, session)),
      );
      api.on("close", ({ session, reason, error }) => {
        const properties = { ...sessionProperties(role, session), reason };
        if (error) sessions.warn("Session {client} closed: {reason}", { ...properties, error });
        else sessions.info("Session {client} closed: {reason}", properties);
      });
      api.on(
        "dropped",
        ({ reason, peer, type, session, error }) =>
          packets.debug("Dropped {type} from {peer}: {reason}", {
            role,
            reason,
            peer: addressKey(peer),
            type: type === undefined ? "unknown" : api.typeName(type),
            ...(session ? { client: shortId(session.id) } : {}),
            ...(error ? { error: error.message } : {}),
          }),
      );
      api.on(
        "retransmit",
        ({ session, type, attempt }) =>
          packets.debug("Resending {type} on {client}, attempt {attempt}", {
            ...sessionProperties(role, session),
            type: api.typeName(type),
            attempt,
          }),
      );
      api.on("rtt", ({ session, rtt, exchange }) => {
        lastRtt.set(session, rtt);
        packets.trace("RTT {rtt} ms on {client} ({exchange})", {
          ...sessionProperties(role, session),
          rtt,
          exchange,
        });
      });
      api.on("error", ({ error, session, peer }) =>
        endpoint.error("{message}", {
          role,
          message: error.message,
          error,
          ...(session ? { client: shortId(session.id) } : {}),
          ...(peer ? { peer: addressKey(peer) } : {}),
        }));
    },
  };
}

function traceMessage(withRtt: boolean, withPayload: boolean): string {
  return "{direction} {type} {size} B client {client} order {order} custom {customId} peer {peer}" +
    (withRtt ? " rtt {rtt} ms" : "") + (withPayload ? " payload {payload}" : "");
}

/** The properties of one packet trace record; `payloadLimit < 0` leaves the payload out. */
function traceProperties(
  ctx: PacketContext,
  type: string,
  payloadLimit: number,
): Record<string, unknown> {
  const { packet } = ctx;
  const properties: Record<string, unknown> = {
    direction: ctx.direction,
    type,
    size: HEADER_SIZE + packet.payload.length,
    client: toHex(packet.clientId.subarray(0, 4)),
    order: packet.order,
    customId: packet.customId,
    peer: addressKey(ctx.peer),
  };
  if (payloadLimit >= 0) {
    const shown = toHex(packet.payload.subarray(0, payloadLimit));
    properties.payload = packet.payload.length > payloadLimit ? `${shown}…` : shown;
  }
  return properties;
}

function sessionProperties(role: string, session: Session): Record<string, unknown> {
  return {
    role,
    client: shortId(session.id),
    sessionId: session.id,
    peer: addressKey(session.peer),
  };
}
