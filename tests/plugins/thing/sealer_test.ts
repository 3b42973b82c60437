import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeUnverified, encodePacket, writeHeaderFields } from "../../../core/codec.ts";
import { AUTHENTICATED_BIT, type Packet } from "../../../core/mod.ts";
import { buildNonce, createAead, nativeSuites } from "../../../plugins/thing/crypto/mod.ts";
import { type DirectionOptions, Opener, Sealer } from "../../../plugins/thing/sealer.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const DIRECTION: DirectionOptions = {
  suite: "chacha20-poly1305",
  key: Uint8Array.from({ length: 32 }, (_, i) => i),
  iv: Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i),
  rekeyAfter: 1000,
  implementation: "auto",
};

function plain(type: number, order: number, reserved = 0): Packet {
  return {
    type,
    clientId: new Uint8Array(16).fill(7),
    reserved,
    customId: 0,
    order,
    payload: new TextEncoder().encode("x"),
    checksum: new Uint8Array(32),
  };
}

/** Seals `packet` as docs/PROTOCOL.md §3.6 says, with whatever reserved bits it already has. */
function sealAsIs(packet: Packet): Packet {
  const ad = new Uint8Array(32);
  writeHeaderFields(packet, packet.payload.length + 16, ad, 0);
  const aead = createAead(DIRECTION.suite, DIRECTION.key);
  return {
    ...packet,
    payload: aead.seal(buildNonce(DIRECTION.iv, packet.order), packet.payload, ad),
  };
}

describe("Sealer and Opener: the authenticated bit (docs/PROTOCOL.md §3.6)", () => {
  it("sets the bit on every sealed type but SCC and CCC, and opens what it sealed", () => {
    const sealer = new Sealer(DIRECTION);
    const opener = new Opener(DIRECTION, 64);
    for (
      const [order, type] of [ThingPacket.SCC, ThingPacket.CHB, ThingPacket.DATA_NOACK].entries()
    ) {
      const packet = plain(type, order);
      sealer.seal(packet);
      const expected = type === ThingPacket.SCC ? 0 : AUTHENTICATED_BIT;
      assert.equal(packet.reserved & AUTHENTICATED_BIT, expected);
      assert.equal(opener.open(packet), "ok");
      assert.equal(packet.reserved, 0, "the opener clears the sealing bits");
    }
  });

  it("fails a packet sealed with the wrong bit for its type, and records nothing", () => {
    const opener = new Opener(DIRECTION, 64);
    // Well sealed (the bit is in the associated data), but a CHB without the bit ...
    assert.equal(opener.open(sealAsIs(plain(ThingPacket.CHB, 0))), "auth");
    // ... or a CCC with it.
    assert.equal(opener.open(sealAsIs(plain(ThingPacket.CCC, 1, AUTHENTICATED_BIT))), "auth");
    // The same order counts, sealed with the right bits, still open: nothing was recorded.
    assert.equal(opener.open(sealAsIs(plain(ThingPacket.CHB, 0, AUTHENTICATED_BIT))), "ok");
    assert.equal(opener.open(sealAsIs(plain(ThingPacket.CCC, 1))), "ok");
  });
});

describe("Sealer: sealing in place into the packet's buffer", () => {
  const suites = ["chacha20-poly1305", "aes-256-gcm"] as const;
  const cases: DirectionOptions[] = suites.flatMap((suite) =>
    (nativeSuites().includes(suite) ? ["noble", "native"] as const : ["noble"] as const)
      .map((implementation) => ({ ...DIRECTION, suite, implementation }))
  );

  for (const direction of cases) {
    const name = `${direction.suite} (${direction.implementation})`;
    it(`${name}: the encoded packet equals separate seal-then-encode byte for byte`, () => {
      const sealer = new Sealer(direction);
      const aead = createAead(direction.suite, direction.key, direction);
      for (const [order, size] of [0, 1, 1024, 16_384, 65_000].entries()) {
        const packet = { ...plain(ThingPacket.DATA_NOACK, order), customId: 5 };
        packet.payload = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
        const reserved = AUTHENTICATED_BIT;
        const ad = new Uint8Array(32);
        writeHeaderFields({ ...packet, reserved }, size + 16, ad, 0);
        const separate = aead.seal(buildNonce(direction.iv, order), packet.payload, ad);
        const expected = encodePacket({ ...packet, reserved, payload: separate.slice() });
        sealer.seal(packet);
        const bytes = encodePacket(packet);
        assert.deepEqual(bytes, expected, `${size} bytes`);
        assert.equal(bytes.buffer, packet.payload.buffer, "encoding copied nothing");
      }
    });

    it(`${name}: a sealed packet with any byte of its payload or header changed is refused`, () => {
      const sealer = new Sealer(direction);
      const packet = plain(ThingPacket.DATA_NOACK, 3);
      packet.payload = new Uint8Array(200).fill(9);
      sealer.seal(packet);
      const bytes = encodePacket(packet);
      // Header bytes 32..63 (the associated data) and every payload byte: each flip fails.
      for (let at = 32; at < bytes.length; at++) {
        const tampered = bytes.slice();
        tampered[at]! ^= 0x01;
        let received: Packet;
        try {
          received = decodeUnverified(tampered);
        } catch {
          continue; // the framing itself refuses it (length or order field)
        }
        const result = new Opener(direction, 64).open(received);
        assert.notEqual(result, "ok", `byte ${at}`);
      }
      const opener = new Opener(direction, 64);
      assert.equal(opener.open(decodeUnverified(bytes.slice())), "ok");
      assert.equal(opener.open(decodeUnverified(bytes.slice())), "replay", "and only once");
    });
  }
});
