import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import {
  ChecksumError,
  checksumValid,
  decodePacket,
  decodeUnverified,
  encodePacket,
  framedPayload,
  writeHeaderFields,
} from "../../core/codec.ts";
import { DecodeError } from "../../core/errors.ts";
import { toHex } from "../../core/hex.ts";
import { AUTHENTICATED_BIT, MAX_ORDER, MAX_PAYLOAD_SIZE, type Packet } from "../../core/packet.ts";
import { nativeSha256, nobleSha256 } from "../../core/sha256.ts";
import { malformedVectors, validVectors } from "./_vectors.ts";

const providers = [nobleSha256, nativeSha256()];

function base(overrides: Partial<Packet> = {}): Packet {
  return {
    type: 0x07,
    clientId: new Uint8Array(16).fill(0xab),
    reserved: 0,
    customId: 0,
    order: 0,
    payload: new Uint8Array([1, 2, 3]),
    checksum: new Uint8Array(0),
    ...overrides,
  };
}

describe("codec vectors", () => {
  it("packets.json covers the required edge cases", () => {
    const fields = validVectors.map((v) => v.packet);
    assert.ok(fields.some((p) => p.order === MAX_ORDER));
    assert.ok(fields.some((p) => p.customId === 0xffff));
    assert.ok(fields.some((p) => p.reserved === 0x7fffff));
    assert.ok(fields.some((p) => (p.reserved & AUTHENTICATED_BIT) !== 0));
    assert.ok(
      fields.some((p) => (p.reserved & AUTHENTICATED_BIT) !== 0 && p.payload.length === 16),
    );
    assert.ok(fields.some((p) => p.payload.length === 0));
    assert.ok(fields.some((p) => p.payload.length === MAX_PAYLOAD_SIZE));
    const codes = new Set(malformedVectors.map((v) => v.error));
    for (
      const code of [
        "THING_ERR_TRUNCATED",
        "THING_ERR_LENGTH_MISMATCH",
        "THING_ERR_PAYLOAD_TOO_LARGE",
        "THING_ERR_ORDER_RANGE",
        "THING_ERR_CHECKSUM",
      ]
    ) assert.ok(codes.has(code), code);
  });

  for (const hash of providers) {
    for (const vector of validVectors) {
      it(`encodePacket() gives the vector bytes (${hash.implementation}): ${vector.name}`, () => {
        const bytes = encodePacket(vector.packet, hash);
        assert.equal(bytes.length, vector.bytes.length);
        assert.equal(toHex(bytes), toHex(vector.bytes));
      });

      it(`decodePacket() reads every field (${hash.implementation}): ${vector.name}`, () => {
        const packet = decodePacket(vector.bytes, hash);
        assert.deepEqual(
          { ...packet, clientId: toHex(packet.clientId), payload: toHex(packet.payload) },
          {
            ...vector.packet,
            clientId: toHex(vector.packet.clientId),
            payload: toHex(vector.packet.payload),
          },
        );
        assert.equal(checksumValid(vector.bytes, hash), true);
      });
    }

    for (const vector of malformedVectors) {
      it(`decodePacket() rejects with ${vector.error} (${hash.implementation}): ${vector.name}`, () => {
        assert.throws(
          () => decodePacket(vector.bytes, hash),
          (error: unknown) => {
            assert.ok(error instanceof DecodeError, String(error));
            assert.equal(error.code, vector.error);
            assert.equal(error.offset, vector.offset);
            return true;
          },
        );
      });
    }
  }
});

describe("decodePacket()", () => {
  it("decodePacket() rejects a truncated header", () => {
    assert.throws(() => decodePacket(new Uint8Array(63)), { code: "THING_ERR_TRUNCATED" });
  });

  it("decodePacket() throws a ChecksumError carrying the packet as received", () => {
    const bytes = validVectors[0]!.bytes.slice();
    bytes[63] = 0x04; // order 5 becomes 4
    assert.throws(
      () => decodePacket(bytes),
      (error: unknown) => {
        assert.ok(error instanceof ChecksumError);
        assert.ok(error instanceof DecodeError);
        assert.equal(error.name, "ChecksumError");
        assert.equal(error.code, "THING_ERR_CHECKSUM");
        assert.equal(error.packet.order, 4);
        assert.equal(error.packet.type, 0x07);
        assert.equal(toHex(error.packet.checksum), toHex(bytes.subarray(0, 32)));
        return true;
      },
    );
  });

  it("decodePacket() returns views into the input, not copies", () => {
    const bytes = validVectors[0]!.bytes.slice();
    const packet = decodePacket(bytes);
    assert.equal(packet.payload.buffer, bytes.buffer);
    assert.equal(packet.clientId.buffer, bytes.buffer);
    assert.equal(packet.payload.byteOffset, 64);
  });

  it("decodePacket() reads a packet that starts inside a larger buffer", () => {
    const vector = validVectors[0]!;
    const backing = new Uint8Array(vector.bytes.length + 10);
    backing.set(vector.bytes, 7);
    const packet = decodePacket(backing.subarray(7, 7 + vector.bytes.length));
    assert.equal(packet.order, 5);
    assert.equal(toHex(packet.payload), "6869");
  });

  it("decodeUnverified() skips the checksum but still checks the framing", () => {
    const bytes = validVectors[0]!.bytes.slice();
    bytes[0] = bytes[0]! ^ 0xff;
    assert.equal(decodeUnverified(bytes).customId, 1);
    assert.throws(() => decodeUnverified(bytes.subarray(0, 65)), {
      code: "THING_ERR_LENGTH_MISMATCH",
    });
  });

  it("decodePacket() rejects a non-Uint8Array with a TypeError", () => {
    assert.throws(() => decodePacket("nope" as unknown as Uint8Array), TypeError);
  });
});

describe("encodePacket()", () => {
  const cases: Array<[string, Partial<Packet>]> = [
    ["a client ID of 15 bytes", { clientId: new Uint8Array(15) }],
    ["a client ID of 17 bytes", { clientId: new Uint8Array(17) }],
    ["type 256", { type: 256 }],
    ["type -1", { type: -1 }],
    ["type 1.5", { type: 1.5 }],
    ["reserved 2^24", { reserved: 0x1000000 }],
    ["reserved -1", { reserved: -1 }],
    ["custom ID 65536", { customId: 65536 }],
    ["custom ID NaN", { customId: Number.NaN }],
    ["order 2^53", { order: 2 ** 53 }],
    ["order -1", { order: -1 }],
    ["order 0.5", { order: 0.5 }],
    ["a payload of 65,444 bytes", { payload: new Uint8Array(MAX_PAYLOAD_SIZE + 1) }],
  ];
  for (const [name, overrides] of cases) {
    it(`encodePacket() throws a RangeError for ${name}`, () => {
      assert.throws(() => encodePacket(base(overrides)), RangeError);
    });
  }

  it("encodePacket() ignores the checksum field it is given", () => {
    const a = encodePacket(base());
    const b = encodePacket(base({ checksum: new Uint8Array(32).fill(9) }));
    assert.equal(toHex(a), toHex(b));
  });
});

describe("writeHeaderFields()", () => {
  it("writeHeaderFields() writes bytes 32..63 at an offset and nothing else", () => {
    const vector = validVectors[0]!;
    const out = new Uint8Array(40 + 32).fill(0xee);
    writeHeaderFields(vector.packet, vector.packet.payload.length, out, 40);
    assert.equal(toHex(out.subarray(40)), toHex(vector.bytes.subarray(32, 64)));
    assert.ok(out.subarray(0, 40).every((b) => b === 0xee));
  });

  it("writeHeaderFields() splits a large order count into two big-endian words", () => {
    const out = new Uint8Array(32);
    writeHeaderFields(base({ order: 2 ** 40 + 3 }), 0, out, 0);
    assert.equal(toHex(out.subarray(24)), "0000010000000003");
  });

  it("writeHeaderFields() throws a RangeError for an out-of-range field", () => {
    assert.throws(
      () => writeHeaderFields(base({ type: 300 }), 0, new Uint8Array(32), 0),
      RangeError,
    );
  });

  it("writeHeaderFields() throws a RangeError when `out` has no room for 32 bytes at offset", () => {
    assert.throws(() => writeHeaderFields(base(), 0, new Uint8Array(40), 9), RangeError);
    writeHeaderFields(base(), 0, new Uint8Array(40), 8);
  });

  it("writeHeaderFields() throws a RangeError for a payload length that is not 0..65443", () => {
    for (const length of [-1, 1.5, MAX_PAYLOAD_SIZE + 1, Number.NaN]) {
      assert.throws(
        () => writeHeaderFields(base(), length, new Uint8Array(32), 0),
        RangeError,
        String(length),
      );
    }
  });
});

describe("framedPayload()", () => {
  it("encodePacket() writes the header in front of a framed payload: same bytes, no copy", () => {
    for (const [size, reserved] of [[0, 0], [3, 0], [1040, AUTHENTICATED_BIT], [20_000, 0]]) {
      const content = Uint8Array.from({ length: size! }, (_, i) => (i * 7) & 0xff);
      const payload = framedPayload(size!);
      if (size! + 64 <= 4096) assert.ok(payload.every((b) => b === 0), "small ones start zeroed");
      payload.set(content);
      const fields = { reserved: reserved!, customId: 9, order: 77 };
      const framed = encodePacket(base({ ...fields, payload }));
      assert.deepEqual(framed, encodePacket(base({ ...fields, payload: content })));
      assert.equal(framed.buffer, payload.buffer);
      assert.equal(framed.byteOffset + 64, payload.byteOffset);
      assert.equal(framed.byteOffset % 8, 0, "frames start 8-byte aligned");
    }
  });

  it("a second encode of the same payload copies, leaving the first packet as it was", () => {
    const payload = framedPayload(4);
    payload.set([1, 2, 3, 4]);
    const first = encodePacket(base({ payload, order: 1 }));
    const before = first.slice();
    const second = encodePacket(base({ payload, order: 2 }));
    assert.deepEqual(first, before);
    assert.ok(second.buffer !== first.buffer || second.byteOffset !== first.byteOffset);
    assert.deepEqual(decodePacket(second).payload, payload);
    assert.equal(decodePacket(second).order, 2);
  });

  it("a field out of range throws before anything is written, and the next encode still works", () => {
    const payload = framedPayload(2);
    assert.throws(() => encodePacket(base({ payload, customId: 70_000 })), RangeError);
    assert.deepEqual(decodePacket(encodePacket(base({ payload }))).payload, payload);
  });

  it("rejects a length that no payload can have", () => {
    assert.throws(() => framedPayload(MAX_PAYLOAD_SIZE + 1), RangeError);
    assert.throws(() => framedPayload(-1), RangeError);
    assert.throws(() => framedPayload(1.5), RangeError);
  });
});

describe("decoded byte fields", () => {
  it("are plain Uint8Array views of the input, also when it is a Buffer (a socket's)", () => {
    const encoded = encodePacket(base({ payload: Uint8Array.of(1, 2, 3) }));
    for (const input of [encoded.slice(), Buffer.from(encoded)]) {
      const packet = decodeUnverified(input);
      for (const field of [packet.clientId, packet.payload, packet.checksum]) {
        assert.equal(Object.getPrototypeOf(field), Uint8Array.prototype);
        assert.equal(field.buffer, input.buffer, "a view, not a copy");
      }
      assert.deepEqual([...packet.payload], [1, 2, 3]);
    }
  });
});
