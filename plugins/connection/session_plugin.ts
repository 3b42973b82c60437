/**
 * `connectionSession()`: the Connection dialect's session plugin — HELLO/ACCEPT/REJECT, PING/PONG
 * keepalive with re-establishment, DISCONNECT, and sessions bound to the address that opened them.
 * Pair it with a data plugin (`connectionData()`) for messages.
 *
 * @module
 */
import type { Plugin } from "../../core/plugin.ts";
import { parseSessionOptions, type SessionOptions } from "./options.ts";
import { sessionPacketTypes } from "./packets.ts";
import { setupClient } from "./session_client.ts";
import { setupServer } from "./session_server.ts";

/** The session plugin's name. */
export const SESSION_PLUGIN = "thing:connection-session";

/**
 * Creates the session plugin.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` naming a bad option
 * @example
 * ```ts
 * import { connectionData, connectionSession } from "@thing/net/plugins/connection";
 *
 * const plugins = [connectionSession({ timeout: 1_500 }), connectionData()];
 * ```
 */
export function connectionSession(options: SessionOptions = {}): Plugin {
  const resolved = parseSessionOptions(options, SESSION_PLUGIN);
  return {
    name: SESSION_PLUGIN,
    seed: resolved,
    setup(api) {
      for (const type of sessionPacketTypes) api.registerPacketType(type);
      if (api.role === "server") setupServer(api, resolved);
      else setupClient(api, resolved);
    },
  };
}
