/**
 * `failover({ endpoints })`: a client plugin that, when its server goes silent, re-establishes
 * the session on the next server of the list instead of the same one. It rides on the
 * Connection dialect's own re-establishment: each HELLO of an attempt (`reconnecting`) goes to the
 * next endpoint in turn, and once one ACCEPTs, a `reconnectedEvent` names the old and new
 * server. Messages that were never acknowledged are reported, not dropped: the data plugin
 * rejects their `send()` with a `SessionError` (`THING_ERR_NOT_CONNECTED`, "re-established before
 * the ACK came"), so the application can send them again on the new server.
 *
 * @module
 */
import { PluginError } from "../../core/errors.ts";
import { defineEvent, type EventKey } from "../../core/events.ts";
import type { Plugin } from "../../core/plugin.ts";
import type { Session } from "../../core/session.ts";
import { addressKey, type PeerAddress } from "../../core/transport.ts";
import { reconnectingEvent } from "../connection/mod.ts";

/** Client with `failover()`: the session was re-established on another server. */
export interface ReconnectedEvent {
  /** The session, open again (under a new client ID). */
  session: Session;
  /** The server it is on now. */
  peer: PeerAddress;
  /** The server it lost. */
  previous: PeerAddress;
}

/** The key of the `failover:reconnected` event: `client.on(reconnectedEvent, …)`. */
export const reconnectedEvent: EventKey<ReconnectedEvent> = defineEvent("failover:reconnected");

/** Options of `failover()`. */
export interface FailoverOptions {
  /** Every server of the cluster, the one connected to first included (at least 2). */
  endpoints: readonly PeerAddress[];
}

/**
 * Makes the failover plugin (clients only; after the Connection dialect in the plugin list).
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` for fewer than 2 endpoints or a bad one
 * @example
 * ```ts
 * import { connect, type PeerAddress } from "@thing/net";
 * import { failover, reconnectedEvent } from "@thing/net/plugins/cluster";
 * import { connection } from "@thing/net/plugins/connection";
 * import { udp } from "@thing/net/transports/udp";
 *
 * export async function connectAny(endpoints: PeerAddress[]) {
 *   const client = await connect({
 *     transport: udp(),
 *     ...endpoints[0]!,
 *     plugins: [...connection(), failover({ endpoints })],
 *   });
 *   client.on(reconnectedEvent, ({ peer }) => console.log(`now on ${peer.hostname}`));
 *   return client;
 * }
 * ```
 */
export function failover(options: FailoverOptions): Plugin {
  const endpoints = options?.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length < 2) {
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      "Cannot fail over without at least 2 endpoints: pass endpoints: [{ hostname, port }, …]",
    );
  }
  for (const endpoint of endpoints) {
    if (
      typeof endpoint?.hostname !== "string" || !Number.isInteger(endpoint.port) ||
      endpoint.port < 1 || endpoint.port > 65535
    ) {
      throw new PluginError(
        "THING_ERR_PLUGIN_OPTIONS",
        `Invalid failover endpoint ${JSON.stringify(endpoint)}: use { hostname, port: 1..65535 }`,
      );
    }
  }
  const list = endpoints.map(({ hostname, port }) => ({ hostname, port }));
  return {
    name: "thing:failover",
    seed: { endpoints: list },
    setup(api) {
      if (api.role !== "client") {
        throw new PluginError("THING_ERR_PLUGIN_OPTIONS", "Cannot use failover() on a server");
      }
      const lost = new Map<Session, PeerAddress>();
      api.on(reconnectingEvent, ({ session }) => {
        if (!lost.has(session)) lost.set(session, session.peer);
        const at = list.findIndex((e) => addressKey(e) === addressKey(session.peer));
        api.control(session).migrate(list[(at + 1) % list.length]!);
      });
      api.on("resume", ({ session }) => {
        const previous = lost.get(session);
        if (previous === undefined) return;
        lost.delete(session);
        api.emit(reconnectedEvent, { session, peer: session.peer, previous });
      });
      api.on("close", ({ session }) => lost.delete(session));
    },
  };
}
