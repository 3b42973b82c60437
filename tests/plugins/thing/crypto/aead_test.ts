import { getCiphers } from "node:crypto";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type Aead,
  createAead,
  nativeSuites,
  preferredSuites,
} from "../../../../plugins/thing/crypto/aead.ts";
import {
  CIPHER_SUITES,
  type CipherSuite,
  SUITE_IDS,
  suiteFromId,
} from "../../../../plugins/thing/crypto/cipher_suite.ts";
import type { Implementation } from "../../../../plugins/thing/crypto/implementation.ts";
import { hex, toHex, VECTORS } from "./_vectors.ts";

/** Every (suite, implementation) pair this runtime can run. */
function available(): [CipherSuite, Implementation][] {
  const native = nativeSuites();
  return CIPHER_SUITES.flatMap((suite) =>
    native.includes(suite) ? [[suite, "native"], [suite, "noble"]] : [[suite, "noble"]]
  );
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

describe("createAead()", () => {
  for (const vector of VECTORS.aead) {
    for (const [suite, implementation] of available()) {
      if (suite !== vector.suite) continue;
      it(`${implementation} matches ${vector.name}`, () => {
        const aead = createAead(suite, hex(vector.key), { implementation });
        const sealed = aead.seal(hex(vector.nonce), hex(vector.plaintext), hex(vector.ad));
        assert.equal(toHex(sealed), vector.ciphertext + vector.tag);
        const opened = aead.open(hex(vector.nonce), sealed, hex(vector.ad));
        assert.ok(opened !== null);
        assert.equal(toHex(opened), vector.plaintext);
      });
    }
  }

  for (const suite of nativeSuites()) {
    it(`native and noble ${suite} give identical bytes for random inputs`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 12, maxLength: 12 }),
          bytes(300),
          bytes(40),
          (key, nonce, plaintext, ad) => {
            const native = createAead(suite, key, { implementation: "native" });
            const noble = createAead(suite, key, { implementation: "noble" });
            const sealed = native.seal(nonce, plaintext, ad);
            assert.deepEqual(sealed, noble.seal(nonce, plaintext, ad));
            assert.deepEqual(noble.open(nonce, sealed, ad), plaintext);
            assert.deepEqual(native.open(nonce, sealed, ad), plaintext);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  for (const suite of nativeSuites()) {
    // Sizes around the Buffer pool (4 KiB) and the packet sizes, where native seal() and open()
    // switch between copying and growing the runtime's output in place; odd lengths included.
    it(`native and noble ${suite} agree and reject tampering at 0 B to 64 KiB + 1`, () => {
      const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
      const native = createAead(suite, key, { implementation: "native" });
      const noble = createAead(suite, key, { implementation: "noble" });
      const ad = Uint8Array.from({ length: 32 }, (_, i) => i * 5);
      for (const size of [0, 1, 15, 17, 1023, 4095, 4096, 4097, 8191, 16383, 16384, 16385, 65537]) {
        const plaintext = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
        const nonce = Uint8Array.from({ length: 12 }, (_, i) => (size >> (i & 3)) + i);
        const sealed = native.seal(nonce, plaintext, ad);
        assert.deepEqual(sealed, noble.seal(nonce, plaintext, ad), `seal ${size}`);
        assert.deepEqual(native.open(nonce, sealed, ad), plaintext, `native open ${size}`);
        assert.deepEqual(noble.open(nonce, sealed, ad), plaintext, `noble open ${size}`);
        for (const index of [0, size, sealed.length - 1]) {
          const forged = sealed.slice();
          forged[index]! ^= 0x80;
          assert.equal(native.open(nonce, forged, ad), null, `forged byte ${index} of ${size}`);
        }
      }
    });
  }

  for (const [suite, implementation] of available()) {
    describe(`${suite} (${implementation})`, () => {
      const aead: Aead = createAead(suite, new Uint8Array(32).fill(0x42), { implementation });
      const nonce = Uint8Array.from({ length: 12 }, (_, i) => i);
      const ad = new TextEncoder().encode("header");
      const plaintext = new TextEncoder().encode("hello thing");

      it("reports its suite and implementation", () => {
        assert.equal(aead.suite, suite);
        assert.equal(aead.implementation, implementation);
      });

      it("open() returns null after any single bit flip in ciphertext, tag, ad or nonce", () => {
        const sealed = aead.seal(nonce, plaintext, ad);
        assert.equal(sealed.length, plaintext.length + 16);
        const flips: [string, Uint8Array, number][] = [
          ["sealed", sealed, sealed.length * 8],
          ["ad", ad, ad.length * 8],
          ["nonce", nonce, nonce.length * 8],
        ];
        for (const [name, target, bits] of flips) {
          for (let bit = 0; bit < bits; bit++) {
            target[bit >> 3]! ^= 1 << (bit & 7);
            assert.equal(aead.open(nonce, sealed, ad), null, `${name} bit ${bit}`);
            target[bit >> 3]! ^= 1 << (bit & 7);
          }
        }
        assert.deepEqual(aead.open(nonce, sealed, ad), plaintext);
      });

      it("open() returns null for a wrong key, truncation or malformed input", () => {
        const sealed = aead.seal(nonce, plaintext, ad);
        const other = createAead(suite, new Uint8Array(32).fill(0x43), { implementation });
        assert.equal(other.open(nonce, sealed, ad), null);
        assert.equal(aead.open(nonce, sealed.subarray(0, sealed.length - 1), ad), null);
        assert.equal(aead.open(nonce, sealed.subarray(1), ad), null);
        assert.equal(aead.open(nonce, new Uint8Array(15), ad), null);
        assert.equal(aead.open(nonce.subarray(1), sealed, ad), null);
        assert.equal(aead.open(nonce, [...sealed] as unknown as Uint8Array, ad), null);
        assert.equal(aead.open(nonce, sealed, undefined as unknown as Uint8Array), null);
      });

      it("seals and opens an empty plaintext with an empty ad", () => {
        const sealed = aead.seal(nonce, new Uint8Array(0), new Uint8Array(0));
        assert.equal(sealed.length, 16);
        assert.deepEqual(aead.open(nonce, sealed, new Uint8Array(0)), new Uint8Array(0));
      });

      it("copies its key, so later changes to the caller's array do not matter", () => {
        const key = new Uint8Array(32).fill(9);
        const a = createAead(suite, key, { implementation });
        const before = a.seal(nonce, plaintext, ad);
        key.fill(0);
        assert.deepEqual(a.seal(nonce, plaintext, ad), before);
      });

      it("seal() and open() return plain arrays that own their buffer (no Buffer pool)", () => {
        const aead = createAead(suite, new Uint8Array(32).fill(3), { implementation });
        for (const size of [0, 1, 10, 1000, 4095, 4096, 20_000]) {
          const plaintext = Uint8Array.from({ length: size }, (_, i) => i);
          const nonce = new Uint8Array(12).fill(size & 0xff);
          const sealed = aead.seal(nonce, plaintext, plaintext);
          const opened = aead.open(nonce, sealed, plaintext)!;
          const again = aead.open(nonce, sealed, plaintext)!;
          assert.deepEqual(opened, plaintext);
          assert.notEqual(opened.buffer, again.buffer, "each open has a buffer of its own");
          for (const [bytes, length] of [[sealed, size + 16], [opened, size]] as const) {
            assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype);
            assert.equal(bytes.byteOffset, 0);
            assert.equal(bytes.length, length);
            // A runtime's cipher output may be a few bytes longer than the output (Bun: one):
            // at most 16 of them, zeroed, so nothing but the result is reachable through .buffer.
            const spare = new Uint8Array(bytes.buffer, length);
            assert.ok(spare.length <= 16, `${spare.length} spare bytes after ${length}`);
            assert.ok(spare.every((b) => b === 0), "spare bytes are zero");
          }
        }
      });

      it("seal() throws RangeError for a nonce that is not 12 bytes", () => {
        assert.throws(() => aead.seal(new Uint8Array(8), plaintext, ad), RangeError);
      });

      it("sealInto() writes the bytes seal() returns, at any offset of a larger buffer", () => {
        for (const size of [0, 1, 100, 1024, 16_384, 65_000]) {
          const input = Uint8Array.from({ length: size }, (_, i) => (i * 13) & 0xff);
          const iv = new Uint8Array(12).fill(size & 0xff);
          const room = new Uint8Array(size + 16 + 67).fill(0xee);
          const out = room.subarray(64, 64 + size + 16);
          aead.sealInto(iv, input, ad, out);
          assert.deepEqual(out, aead.seal(iv, input, ad), `${size} bytes`);
          assert.ok(room.subarray(0, 64).every((b) => b === 0xee), "nothing before out changes");
          assert.ok(room.subarray(64 + size + 16).every((b) => b === 0xee), "nor after it");
          assert.deepEqual(aead.open(iv, out, ad), input);
        }
      });

      it("sealInto() throws RangeError for a nonce or output of the wrong length", () => {
        const out = new Uint8Array(plaintext.length + 16);
        assert.throws(() => aead.sealInto(new Uint8Array(8), plaintext, ad, out), RangeError);
        assert.throws(() => aead.sealInto(nonce, plaintext, ad, out.subarray(1)), RangeError);
        assert.throws(
          () => aead.sealInto(nonce, plaintext, ad, new Uint8Array(plaintext.length + 17)),
          RangeError,
        );
      });
    });
  }

  it("throws RangeError for a bad key length or an unknown suite", () => {
    assert.throws(() => createAead("aes-256-gcm", new Uint8Array(16)), RangeError);
    assert.throws(() => createAead("rot13" as CipherSuite, new Uint8Array(32)), RangeError);
    assert.throws(
      () =>
        createAead("aes-256-gcm", new Uint8Array(32), {
          implementation: "fast" as Implementation,
        }),
      RangeError,
    );
  });
});

describe("suite selection", () => {
  it("nativeSuites() lists only ciphers node:crypto reports", () => {
    const ciphers = getCiphers();
    for (const suite of nativeSuites()) assert.ok(ciphers.includes(suite), suite);
  });

  it("auto picks native exactly for nativeSuites(); native elsewhere throws RangeError", () => {
    for (const suite of CIPHER_SUITES) {
      const auto = createAead(suite, new Uint8Array(32));
      if (nativeSuites().includes(suite)) {
        assert.equal(auto.implementation, "native");
      } else {
        assert.equal(auto.implementation, "noble");
        assert.throws(
          () => createAead(suite, new Uint8Array(32), { implementation: "native" }),
          RangeError,
        );
      }
    }
  });

  it("preferredSuites() offers every suite once, native ones first, noble ChaCha before noble GCM", () => {
    const preferred = preferredSuites();
    const native = nativeSuites();
    assert.deepEqual([...preferred].sort(), [...CIPHER_SUITES].sort());
    assert.deepEqual(preferred.slice(0, native.length).sort(), [...native].sort());
    if (native.length === 0) assert.deepEqual(preferred, ["chacha20-poly1305", "aes-256-gcm"]);
    if (native.length === 1 && native[0] === "aes-256-gcm") {
      assert.deepEqual(preferred, ["aes-256-gcm", "chacha20-poly1305"]);
    }
    if (native.length === 1 && native[0] === "chacha20-poly1305") {
      assert.deepEqual(preferred, ["chacha20-poly1305", "aes-256-gcm"]);
    }
  });

  it("preferredSuites() puts ChaCha first on Deno and AES-GCM first elsewhere when both are native", () => {
    if (nativeSuites().length !== 2) return;
    const expected = "Deno" in globalThis ? "chacha20-poly1305" : "aes-256-gcm";
    assert.equal(preferredSuites()[0], expected);
  });

  it("suite ids are 1 and 2 and round-trip; unknown ids give undefined", () => {
    assert.equal(SUITE_IDS["chacha20-poly1305"], 1);
    assert.equal(SUITE_IDS["aes-256-gcm"], 2);
    for (const suite of CIPHER_SUITES) assert.equal(suiteFromId(SUITE_IDS[suite]), suite);
    assert.equal(suiteFromId(0), undefined);
    assert.equal(suiteFromId(3), undefined);
  });
});
