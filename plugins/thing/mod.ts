/**
 * The Thing dialect: a seven-step authenticated Diffie-Hellman handshake (CHI → SHI → SDH → CDH →
 * SCC → CCC → SHF), sealed sessions, heartbeats and both terminations. `thing()` is the plain
 * dialect (sealed datagrams); `hybrid()` carries the Connection dialect's data semantics instead (DATA_ACK with
 * retransmission, DATA_NOACK, custom IDs).
 *
 * @example
 * ```ts
 * import { connect, listen } from "@thing/net";
 * import { generateIdentity, thing } from "@thing/net/plugins/thing";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const identity = generateIdentity(); // or: await readIdentityFile("server.key")
 * const server = await listen({ transport: udp(), plugins: thing({ identity }) });
 * const client = await connect({
 *   transport: udp(),
 *   port: server.address.port,
 *   plugins: thing({ serverKey: identity.publicKey }),
 * });
 * await client.close();
 * await server.close();
 * ```
 *
 * @module
 */
import type { PluginList } from "../../core/plugin.ts";
import { thingDatagrams } from "./datagrams.ts";
import type { ThingOptions } from "./options.ts";
import { thingSession } from "./plugin.ts";

export { MAX_THING_MESSAGE, thingDatagrams } from "./datagrams.ts";
export {
  type ResumptionEvent,
  resumptionEvent,
  type ServerKeyEvent,
  serverKeyEvent,
  type TicketEvent,
  ticketEvent,
  type TicketRefusedEvent,
  ticketRefusedEvent,
} from "./events.ts";
export type { ThingDialectErrorCode, TicketErrorCode } from "./errors.ts";
export { MemoryTicketStore, type ResumptionTicket, type TicketStore } from "./ticket_store.ts";
export { generateIdentity, readIdentityFile, writeIdentityFile } from "./identity_file.ts";
export {
  parseThingOptions,
  readServerKey,
  type ThingConfig,
  type ThingOptions,
} from "./options.ts";
export { THING_PLUGIN, type ThingLayer, thingSession } from "./plugin.ts";
export { hybrid, type HybridOptions } from "./hybrid.ts";
export { ThingPacket } from "./packets.ts";
export {
  AEAD_TAG_LENGTH,
  decodeIdentity,
  encodeIdentity,
  fingerprint,
  type Identity,
} from "./crypto/mod.ts";

/**
 * The plain Thing dialect: the session layer, then sealed unreliable datagrams (DATA_NOACK).
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` for invalid options
 */
export function thing(options?: ThingOptions): PluginList {
  return [thingSession(options), thingDatagrams()];
}
