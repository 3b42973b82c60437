/**
 * The key a client files a server's tickets under in its `TicketStore`.
 *
 * @module
 */
import type { PeerAddress } from "../../core/transport.ts";
import { fingerprint } from "./crypto/mod.ts";
import type { ThingConfig } from "./options.ts";

/** The pinned server key's fingerprint, or without a pin the server's address (`host:port`). */
export function ticketStoreKey(config: ThingConfig, peer: PeerAddress): string {
  return config.serverKey ? fingerprint(config.serverKey) : `${peer.hostname}:${peer.port}`;
}
