/**
 * The Connection dialect's packet types and payload codecs: HELLO carries a u64 big-endian
 * timestamp (milliseconds since the Unix epoch); ACK and BAD_ACK carry the 32-byte checksum field
 * of the packet they answer; the other control packets carry nothing.
 *
 * @module
 */
import { CHECKSUM_SIZE, PacketType } from "../../core/packet.ts";
import type { PacketTypeDefinition, PayloadCodec } from "../../core/registry.ts";

const TWO_32 = 4294967296;

/** HELLO's payload: the sender's wall-clock time in ms, as a u64 big-endian. */
export const timestampCodec: PayloadCodec<number> = {
  decode(payload) {
    if (payload.length !== 8) {
      throw new RangeError(`Cannot read a HELLO timestamp of ${payload.length} bytes: it is 8`);
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

/** Packet types the session plugin owns. */
export const sessionPacketTypes: readonly PacketTypeDefinition[] = [
  { code: PacketType.HELLO, name: "HELLO", codec: timestampCodec as PayloadCodec<unknown> },
  { code: PacketType.ACCEPT, name: "ACCEPT" },
  { code: PacketType.REJECT, name: "REJECT" },
  { code: PacketType.PING, name: "PING" },
  { code: PacketType.PONG, name: "PONG" },
  { code: PacketType.DISCONNECT, name: "DISCONNECT" },
];

/** Packet types the data plugin owns. */
export const dataPacketTypes: readonly PacketTypeDefinition[] = [
  { code: PacketType.DATA_ACK, name: "DATA_ACK" },
  { code: PacketType.DATA_NOACK, name: "DATA_NOACK" },
  { code: PacketType.ACK, name: "ACK", codec: checksumCodec as PayloadCodec<unknown> },
  { code: PacketType.BAD_ACK, name: "BAD_ACK", codec: checksumCodec as PayloadCodec<unknown> },
];
