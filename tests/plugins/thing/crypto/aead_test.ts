import { getCiphers } from "node:crypto";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type Aead,
  createAead,
  nativeAeadBackend,
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
import { nodeCrypto } from "../../../../plugins/thing/crypto/_native_keys.ts";
import { nodeCryptoAead } from "../../../../plugins/thing/crypto/_node_aead.ts";
import { openSslAead } from "../../../../plugins/thing/crypto/_openssl_aead.ts";
import { hex, toHex, VECTORS } from "./_vectors.ts";

/** An AEAD maker for one key, and what it is called in test names. */
interface Backend {
  suite: CipherSuite;
  name: string;
  implementation: Implementation;
  make(key: Uint8Array): Aead;
}

/**
 * Every implementation this runtime can run, per suite: noble, and each native backend it has
 * (node:crypto where it lists the cipher, the system's OpenSSL where it loads), whichever of them
 * `createAead` picks, so both are tested on every runtime that has both.
 */
function backends(): Backend[] {
  const crypto = nodeCrypto();
  return CIPHER_SUITES.flatMap((suite): Backend[] => [
    {
      suite,
      name: "noble",
      implementation: "noble",
      make: (key) => createAead(suite, key, { implementation: "noble" }),
    },
    ...(crypto?.getCiphers().includes(suite)
      ? [{
        suite,
        name: "native node:crypto",
        implementation: "native" as const,
        make: (key: Uint8Array) => nodeCryptoAead(crypto, suite, key),
      }]
      : []),
    ...(openSslAead(suite, new Uint8Array(32))
      ? [{
        suite,
        name: "native openssl",
        implementation: "native" as const,
        make: (key: Uint8Array) => openSslAead(suite, key)!,
      }]
      : []),
  ]);
}

const nativeBackends = () => backends().filter((b) => b.implementation === "native");

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

describe("createAead()", () => {
  for (const vector of VECTORS.aead) {
    for (const { suite, name, make } of backends()) {
      if (suite !== vector.suite) continue;
      it(`${name} matches ${vector.name}`, () => {
        const aead = make(hex(vector.key));
        const sealed = aead.seal(hex(vector.nonce), hex(vector.plaintext), hex(vector.ad));
        assert.equal(toHex(sealed), vector.ciphertext + vector.tag);
        const opened = aead.open(hex(vector.nonce), sealed, hex(vector.ad));
        assert.ok(opened !== null);
        assert.equal(toHex(opened), vector.plaintext);
      });
    }
  }

  for (const { suite, name, make } of nativeBackends()) {
    it(`${name} and noble ${suite} give identical bytes for random inputs`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 12, maxLength: 12 }),
          bytes(300),
          bytes(40),
          (key, nonce, plaintext, ad) => {
            const native = make(key);
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

  for (const { suite, name, make } of nativeBackends()) {
    // Sizes around the Buffer pool (4 KiB) and the packet sizes, where native seal() and open()
    // switch between copying and growing the runtime's output in place; odd lengths included.
    it(`${name} and noble ${suite} agree and reject tampering at 0 B to 64 KiB + 1`, () => {
      const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
      const native = make(key);
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

  for (const { suite, name, implementation, make } of backends()) {
    describe(`${suite} (${name})`, () => {
      const aead: Aead = make(new Uint8Array(32).fill(0x42));
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
        const other = make(new Uint8Array(32).fill(0x43));
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
        const a = make(key);
        const before = a.seal(nonce, plaintext, ad);
        key.fill(0);
        assert.deepEqual(a.seal(nonce, plaintext, ad), before);
      });

      it("seal() and open() return plain arrays that own their buffer (no Buffer pool)", () => {
        const aead = make(new Uint8Array(32).fill(3));
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

      it("seal() and sealInto() throw TypeError for a plaintext or ad that is not a Uint8Array", () => {
        const out = new Uint8Array(plaintext.length + 16);
        for (const bad of [undefined, 12345, "text", [1, 2, 3], new Uint16Array(4)]) {
          const value = bad as unknown as Uint8Array;
          assert.throws(() => aead.seal(nonce, value, ad), TypeError, `plaintext ${String(bad)}`);
          assert.throws(() => aead.seal(nonce, plaintext, value), TypeError, `ad ${String(bad)}`);
          assert.throws(() => aead.sealInto(nonce, plaintext, value, out), TypeError);
        }
        assert.deepEqual(aead.open(nonce, aead.seal(nonce, plaintext, ad), ad), plaintext);
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
  it("nativeSuites() lists the suites with a native backend: node:crypto's ciphers or OpenSSL", () => {
    const ciphers = getCiphers();
    for (const suite of CIPHER_SUITES) {
      const backend = nativeAeadBackend(suite);
      assert.equal(nativeSuites().includes(suite), backend !== undefined, suite);
      if (backend === "node:crypto") assert.ok(ciphers.includes(suite), suite);
      if (backend === "openssl") assert.ok(openSslAead(suite, new Uint8Array(32)), suite);
    }
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

  it("preferredSuites() puts AES-GCM first when both are native, unless Deno's node:crypto runs it", () => {
    if (nativeSuites().length !== 2) return;
    const slowAes = "Deno" in globalThis && nativeAeadBackend("aes-256-gcm") === "node:crypto";
    assert.equal(preferredSuites()[0], slowAes ? "chacha20-poly1305" : "aes-256-gcm");
  });

  it("suite ids are 1 and 2 and round-trip; unknown ids give undefined", () => {
    assert.equal(SUITE_IDS["chacha20-poly1305"], 1);
    assert.equal(SUITE_IDS["aes-256-gcm"], 2);
    for (const suite of CIPHER_SUITES) assert.equal(suiteFromId(SUITE_IDS[suite]), suite);
    assert.equal(suiteFromId(0), undefined);
    assert.equal(suiteFromId(3), undefined);
  });
});
