import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodePacket, encodePacket } from "../../core/codec.ts";
import { DecodeError } from "../../core/errors.ts";
import { toHex } from "../../core/hex.ts";
import { AUTHENTICATED_BIT, MAX_ORDER, type Packet, TAG_SIZE } from "../../core/packet.ts";
import { nativeSha256, nobleSha256 } from "../../core/sha256.ts";

const native = nativeSha256();

const packetArb: fc.Arbitrary<Packet> = fc.record({
  type: fc.integer({ min: 0, max: 0xff }),
  clientId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  reserved: fc.integer({ min: 0, max: 0xffffff }),
  customId: fc.integer({ min: 0, max: 0xffff }),
  order: fc.oneof(
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: 0, max: MAX_ORDER }),
    fc.constant(MAX_ORDER),
  ),
  payload: fc.uint8Array({ maxLength: 300 }),
  checksum: fc.constant(new Uint8Array(0)),
}).map((packet) => {
  // An authenticated payload ends with its tag, so it is at least TAG_SIZE bytes.
  if ((packet.reserved & AUTHENTICATED_BIT) === 0 || packet.payload.length >= TAG_SIZE) {
    return packet;
  }
  const payload = new Uint8Array(TAG_SIZE);
  payload.set(packet.payload);
  return { ...packet, payload };
});

/** The bits a checksum covers: all, or for an authenticated packet the header and the tag. */
function coveredBits(packet: Packet): number[] {
  const total = (64 + packet.payload.length) * 8;
  if ((packet.reserved & AUTHENTICATED_BIT) === 0) return [0, total];
  return [0, 64 * 8, total - TAG_SIZE * 8, total];
}

function plain(packet: Packet): Record<string, unknown> {
  return {
    type: packet.type,
    clientId: toHex(packet.clientId),
    reserved: packet.reserved,
    customId: packet.customId,
    order: packet.order,
    payload: toHex(packet.payload),
  };
}

describe("codec properties", () => {
  it("decodePacket() inverts encodePacket() for any valid packet", () => {
    fc.assert(
      fc.property(packetArb, (packet) => {
        const bytes = encodePacket(packet);
        const decoded = decodePacket(bytes);
        assert.deepEqual(plain(decoded), plain(packet));
        assert.equal(toHex(decoded.checksum), toHex(bytes.subarray(0, 32)));
      }),
      { numRuns: 300 },
    );
  });

  it("decodePacket() detects any single flipped bit its checksum covers", () => {
    const withBit = packetArb.chain((packet) => {
      const ranges = coveredBits(packet);
      const bit = ranges.length === 2 ? fc.integer({ min: 0, max: ranges[1]! - 1 }) : fc.oneof(
        fc.integer({ min: 0, max: ranges[1]! - 1 }),
        fc.integer({ min: ranges[2]!, max: ranges[3]! - 1 }),
      );
      return fc.tuple(fc.constant(packet), bit);
    });
    fc.assert(
      fc.property(withBit, ([packet, bit]) => {
        const bytes = encodePacket(packet);
        bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7));
        assert.throws(() => decodePacket(bytes), DecodeError);
      }),
      { numRuns: 500 },
    );
  });

  it("decodePacket() leaves an authenticated payload before its tag to the tag's owner", () => {
    const packet: Packet = {
      type: 7,
      clientId: new Uint8Array(16).fill(2),
      reserved: AUTHENTICATED_BIT,
      customId: 1,
      order: 3,
      payload: new Uint8Array(40).fill(0x33),
      checksum: new Uint8Array(0),
    };
    const bytes = encodePacket(packet);
    bytes[64] = bytes[64]! ^ 1;
    assert.equal(decodePacket(bytes).payload[0], 0x32);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    assert.throws(() => decodePacket(bytes), DecodeError);
  });

  it("decodePacket() detects a flip of every bit of one packet", () => {
    const bytes = encodePacket({
      type: 7,
      clientId: new Uint8Array(16).fill(1),
      reserved: 0,
      customId: 9,
      order: 12345,
      payload: new Uint8Array([0xde, 0xad]),
      checksum: new Uint8Array(0),
    });
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const copy = bytes.slice();
      copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
      assert.throws(() => decodePacket(copy), DecodeError, `bit ${bit}`);
    }
  });

  it("decodePacket() throws nothing but DecodeError on random bytes", () => {
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // A well-framed header with a random length field and a matching size, random elsewhere.
      fc.tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat({ max: 400 })).map(
        ([header, length]) => {
          const bytes = new Uint8Array(64 + length);
          bytes.set(header);
          bytes[52] = length >> 8;
          bytes[53] = length & 0xff;
          return bytes;
        },
      ),
    );
    fc.assert(
      fc.property(inputs, (bytes) => {
        try {
          decodePacket(bytes);
        } catch (error) {
          assert.ok(error instanceof DecodeError, `unexpected ${String(error)}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("nativeSha256() and nobleSha256 give identical bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat({ max: 8 }), (data, offset) => {
        const a = new Uint8Array(40).fill(0x55);
        const b = new Uint8Array(40).fill(0x55);
        native.digestInto(data, a, offset);
        nobleSha256.digestInto(data, b, offset);
        assert.equal(toHex(a), toHex(b));
      }),
      { numRuns: 300 },
    );
  });

  it("encodePacket() gives identical bytes with native and noble SHA-256", () => {
    fc.assert(
      fc.property(packetArb, (packet) => {
        assert.equal(toHex(encodePacket(packet, native)), toHex(encodePacket(packet, nobleSha256)));
      }),
      { numRuns: 200 },
    );
  });

  it("nativeSha256() hashes a view inside a larger buffer and writes at an offset", () => {
    const backing = new Uint8Array(100).map((_, i) => i);
    const view = backing.subarray(10, 60);
    const a = new Uint8Array(64);
    const b = new Uint8Array(64);
    native.digestInto(view, a, 32);
    nobleSha256.digestInto(view.slice(), b, 32);
    assert.equal(toHex(a), toHex(b));
    assert.ok(a.subarray(0, 32).every((x) => x === 0));
  });
});
