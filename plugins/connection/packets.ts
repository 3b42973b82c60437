/**
 * The Connection dialect's packet types and payload codecs: HELLO carries a u64 big-endian
 * timestamp (milliseconds since the Unix epoch) and the extension list offered; ACK and BAD_ACK carry the 32-byte checksum field
 * of the packet they answer; the other control packets carry nothing.
 *
 * @module
 */
import { CHECKSUM_SIZE } from "../../core/packet.ts";
import { decodeExtensions } from "../../core/extensions.ts";
import {
  definePacketType,
  type PacketTypeDefinition,
  type PayloadCodec,
} from "../../core/registry.ts";

const TWO_32 = 4294967296;

/** The Connection dialect's packet type codes (docs/PROTOCOL.md §2). */
export const ConnectionPacket = {
  HELLO: 0x01,
  ACCEPT: 0x02,
  REJECT: 0x03,
  PING: 0x04,
  PONG: 0x05,
  DATA_ACK: 0x06,
  DATA_NOACK: 0x07,
  ACK: 0x08,
  BAD_ACK: 0x09,
  DISCONNECT: 0x0a,
  /** Message and ACK frames packed together (§2.7), once the handshake negotiated them. */
  FRAMED: 0x0b,
} as const;

/**
 * HELLO's payload: the sender's wall-clock time in ms, as a u64 big-endian, then the extension
 * list the client offers (docs/PROTOCOL.md §3.13; empty in v1, so a v1 HELLO is 8 bytes). The body
 * is the time; a HELLO whose list is broken does not decode.
 */
export const timestampCodec: PayloadCodec<number> = {
  decode(payload) {
    if (payload.length < 8) {
      throw new RangeError(`Cannot read a HELLO timestamp of ${payload.length} bytes: it is 8`);
    }
    if (payload.length > 8 && !decodeExtensions(payload.subarray(8))) {
      throw new RangeError("Cannot read a HELLO's extension list: an entry is cut or repeated");
    }
    const view = new DataView(payload.buffer, payload.byteOffset, 8);
    const high = view.getUint32(0);
    if (high > 0x1fffff) throw new RangeError("Cannot read a HELLO timestamp above 2^53 - 1");
    return high * TWO_32 + view.getUint32(4);
  },
  encode(value) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot write HELLO timestamp ${value}: pass a safe integer >= 0`);
    }
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, Math.floor(value / TWO_32));
    view.setUint32(4, value >>> 0);
    return out;
  },
};

/** ACK and BAD_ACK payloads: exactly one 32-byte checksum field. */
const checksumCodec: PayloadCodec<Uint8Array> = {
  decode(payload) {
    if (payload.length !== CHECKSUM_SIZE) {
      throw new RangeError(
        `Cannot read an acknowledged checksum of ${payload.length} bytes: it is ${CHECKSUM_SIZE}`,
      );
    }
    return payload;
  },
  encode: (value) => value,
};

/** HELLO: its body is the sender's wall-clock time in ms. */
export const HELLO: PacketTypeDefinition<number> = definePacketType({
  code: ConnectionPacket.HELLO,
  name: "HELLO",
  codec: timestampCodec,
});
/** ACK: its body is the checksum field of the DATA_ACK it answers. */
export const ACK: PacketTypeDefinition<Uint8Array> = definePacketType({
  code: ConnectionPacket.ACK,
  name: "ACK",
  codec: checksumCodec,
});
/** BAD_ACK: its body is the checksum field of the corrupted DATA_ACK. */
export const BAD_ACK: PacketTypeDefinition<Uint8Array> = definePacketType({
  code: ConnectionPacket.BAD_ACK,
  name: "BAD_ACK",
  codec: checksumCodec,
});

/**
 * FRAMED: message and ACK frames (§2.7). The data plugin decodes the frames itself, so that each
 * kind of broken framing is dropped under its own reason.
 */
export const FRAMED: PacketTypeDefinition<undefined> = definePacketType({
  code: ConnectionPacket.FRAMED,
  name: "FRAMED",
});

/** Packet types the session plugin owns. */
export const sessionPacketTypes: readonly PacketTypeDefinition<unknown>[] = [
  HELLO,
  { code: ConnectionPacket.ACCEPT, name: "ACCEPT" },
  { code: ConnectionPacket.REJECT, name: "REJECT" },
  { code: ConnectionPacket.PING, name: "PING" },
  { code: ConnectionPacket.PONG, name: "PONG" },
  { code: ConnectionPacket.DISCONNECT, name: "DISCONNECT" },
];

/** Packet types the data plugin owns. */
export const dataPacketTypes: readonly PacketTypeDefinition<unknown>[] = [
  { code: ConnectionPacket.DATA_ACK, name: "DATA_ACK" },
  { code: ConnectionPacket.DATA_NOACK, name: "DATA_NOACK" },
  FRAMED,
  ACK,
  BAD_ACK,
];
