/**
 * The first step of every received packet: decode, verify and check the type is known, turning
 * every failure into a drop reason instead of an exception.
 *
 * @module
 */
import { decodePacket } from "./codec.ts";
import { DecodeError } from "./errors.ts";
import type { DropReason } from "./events.ts";
import { AUTHENTICATED_BIT, Offset, type Packet } from "./packet.ts";
import type { PacketRegistry } from "./registry.ts";
import type { Sha256 } from "./sha256.ts";

/** A decoded packet, or why there is none. */
export type Inbound =
  | { packet: Packet; error?: undefined }
  | { packet?: undefined; error: Error; reason: DropReason };

/**
 * Decodes untrusted bytes for the endpoint. Never throws.
 *
 * @param authenticated whether a plugin claimed packets with `AUTHENTICATED_BIT`; if not, they are
 *   malformed (their checksum does not cover the payload)
 */
export function decodeInbound(
  bytes: Uint8Array,
  hash: Sha256,
  registry: PacketRegistry,
  authenticated: boolean,
): Inbound {
  let packet: Packet;
  try {
    packet = decodePacket(bytes, hash);
  } catch (error) {
    if (error instanceof DecodeError) {
      return { error, reason: error.code === "THING_ERR_CHECKSUM" ? "checksum" : "malformed" };
    }
    return {
      error: error instanceof Error ? error : new Error(String(error)),
      reason: "malformed",
    };
  }
  if (!authenticated && (packet.reserved & AUTHENTICATED_BIT) !== 0) {
    return {
      error: new DecodeError(
        "THING_ERR_BAD_FIELD",
        "Cannot accept a packet with the authenticated bit: no plugin here authenticates its payload",
        Offset.reserved,
      ),
      reason: "malformed",
    };
  }
  if (!registry.get(packet.type)) {
    return {
      error: new DecodeError(
        "THING_ERR_UNKNOWN_PACKET_TYPE",
        `Cannot handle packet type ${registry.name(packet.type)}: no plugin registered it`,
        Offset.type,
      ),
      reason: "unknown-type",
    };
  }
  return { packet };
}
