/**
 * The Connection dialect (the first draft): HELLO/ACCEPT/REJECT, PING/PONG keepalive,
 * DATA_ACK/ACK/BAD_ACK and DATA_NOACK, DISCONNECT. `connection()` is the preset; its two parts are
 * exported for composing other dialects.
 *
 * @example
 * ```ts
 * import { listen } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const server = await listen({ transport: udp(), plugins: connection({ timeout: 1_500 }) });
 * server.on("message", ({ session, data, customId }) => session.send(data, { customId }));
 * await server.close();
 * ```
 *
 * @module
 */
import type { PluginList } from "../../core/plugin.ts";
import { connectionData } from "./data_plugin.ts";
import { type ConnectionOptions, parseConnectionOptions, sessionKeys } from "./options.ts";
import { connectionSession } from "./session_plugin.ts";

export { connectionData, DATA_PLUGIN } from "./data_plugin.ts";
export { connectionSession, SESSION_PLUGIN } from "./session_plugin.ts";
export type { ConnectionOptions, DataOptions, SessionOptions } from "./options.ts";
export type { ConnectionErrorCode } from "./errors.ts";
export { DELIVERY_MODES, type DeliveryMode, FRAMED_EXTENSION } from "./channels.ts";
export { type ReconnectingEvent, reconnectingEvent } from "./events.ts";
export { ConnectionPacket } from "./packets.ts";

/**
 * The Connection dialect preset: `[connectionSession(…), connectionData(…)]`.
 *
 * @param options session and data options together (see `SessionOptions`, `DataOptions`)
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` naming a bad or unknown option
 */
export function connection(options: ConnectionOptions = {}): PluginList {
  const all = parseConnectionOptions(options, "thing:connection") as Record<string, unknown>;
  const session: Record<string, unknown> = {};
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    (sessionKeys.includes(key) ? session : data)[key] = value;
  }
  return [connectionSession(session), connectionData(data)];
}
