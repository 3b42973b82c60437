import { createHash, createHmac, hkdfSync } from "node:crypto";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CIPHER_SUITES, SUITE_IDS } from "../../../../plugins/thing/crypto/cipher_suite.ts";
import {
  constantTimeEqual,
  deriveSessionKeys,
  hasNativeHmacSha256,
  hkdfSha256,
  hmacSha256,
  KEY_SCHEDULE_LABELS,
  sha256,
} from "../../../../plugins/thing/crypto/kdf.ts";
import { hex, toHex, VECTORS } from "./_vectors.ts";

const bytes = fc.uint8Array({ maxLength: 100 });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("hkdfSha256()", () => {
  for (const vector of VECTORS.hkdf) {
    it(`matches ${vector.name}`, () => {
      const okm = hkdfSha256(hex(vector.ikm), hex(vector.salt), hex(vector.info), vector.length);
      assert.equal(toHex(okm), vector.okm);
    });
  }

  it("agrees with node:crypto hkdfSync for random inputs", () => {
    fc.assert(
      fc.property(bytes, bytes, bytes, fc.integer({ min: 1, max: 200 }), (ikm, salt, info, n) => {
        const expected = new Uint8Array(hkdfSync("sha256", ikm, salt, info, n));
        assert.deepEqual(hkdfSha256(ikm, salt, info, n), expected);
      }),
      { numRuns: 50 },
    );
  });

  it("throws RangeError for a length of 0, above 8160 or not an integer", () => {
    const empty = new Uint8Array(0);
    assert.throws(() => hkdfSha256(empty, empty, empty, 0), RangeError);
    assert.throws(() => hkdfSha256(empty, empty, empty, 8161), RangeError);
    assert.throws(() => hkdfSha256(empty, empty, empty, 1.5), RangeError);
    assert.equal(hkdfSha256(empty, empty, empty, 8160).length, 8160);
  });
});

describe("sha256() and hmacSha256()", () => {
  it("hmacSha256() matches RFC 4231 test case 1", () => {
    const mac = hmacSha256(new Uint8Array(20).fill(0x0b), new TextEncoder().encode("Hi There"));
    assert.equal(toHex(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  });

  it("agree with node:crypto for random inputs", () => {
    fc.assert(
      fc.property(bytes, bytes, (key, message) => {
        assert.deepEqual(
          sha256(message),
          new Uint8Array(createHash("sha256").update(message).digest()),
        );
        assert.deepEqual(
          hmacSha256(key, message),
          new Uint8Array(createHmac("sha256", key).update(message).digest()),
        );
      }),
      { numRuns: 50 },
    );
  });
});

describe("kdf native vs noble", { skip: !hasNativeHmacSha256() }, () => {
  const noble = { implementation: "noble" } as const;
  const native = { implementation: "native" } as const;

  it("hmacSha256() and hkdfSha256() give the same bytes natively and with noble", () => {
    fc.assert(
      fc.property(bytes, bytes, bytes, fc.integer({ min: 1, max: 100 }), (a, b, c, n) => {
        assert.deepEqual(hmacSha256(a, b, noble), hmacSha256(a, b, native));
        assert.deepEqual(hkdfSha256(a, b, c, n, noble), hkdfSha256(a, b, c, n, native));
      }),
      { numRuns: 50 },
    );
  });

  it("deriveSessionKeys() gives the same keys natively and with noble, for every suite", () => {
    fc.assert(
      fc.property(key32, key32, (shared, transcript) => {
        for (const suite of CIPHER_SUITES) {
          assert.deepEqual(
            deriveSessionKeys(shared, transcript, suite, noble),
            deriveSessionKeys(shared, transcript, suite, native),
          );
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe("deriveSessionKeys()", () => {
  const shared = Uint8Array.from({ length: 32 }, (_, i) => i);
  const transcript = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

  it("is HKDF-SHA256 with the transcript as salt and label || suite id as info", () => {
    for (const suite of CIPHER_SUITES) {
      const keys = deriveSessionKeys(shared, transcript, suite);
      for (const [name, label] of Object.entries(KEY_SCHEDULE_LABELS)) {
        const info = new Uint8Array([...new TextEncoder().encode(label), SUITE_IDS[suite]]);
        const value = keys[name as keyof typeof keys];
        const expected = new Uint8Array(hkdfSync("sha256", shared, transcript, info, value.length));
        assert.deepEqual(value, expected, `${suite} ${name}`);
      }
    }
  });

  it("gives 32-byte keys, 12-byte IVs, all different, and different per suite", () => {
    const a = deriveSessionKeys(shared, transcript, "chacha20-poly1305");
    const b = deriveSessionKeys(shared, transcript, "aes-256-gcm");
    assert.equal(a.clientToServer.length, 32);
    assert.equal(a.serverToClient.length, 32);
    assert.equal(a.clientConfirm.length, 32);
    assert.equal(a.serverConfirm.length, 32);
    assert.equal(a.c2sIv.length, 12);
    assert.equal(a.s2cIv.length, 12);
    const all = [...Object.values(a), ...Object.values(b)].map(toHex);
    assert.equal(new Set(all).size, 12);
  });

  it("depends on the shared secret and on the transcript", () => {
    fc.assert(
      fc.property(key32, key32, (s, t) => {
        const base = deriveSessionKeys(s, t, "aes-256-gcm");
        const s2 = s.slice();
        s2[0]! ^= 1;
        const t2 = t.slice();
        t2[31]! ^= 0x80;
        assert.notDeepEqual(
          deriveSessionKeys(s2, t, "aes-256-gcm").clientToServer,
          base.clientToServer,
        );
        assert.notDeepEqual(
          deriveSessionKeys(s, t2, "aes-256-gcm").serverToClient,
          base.serverToClient,
        );
        assert.deepEqual(deriveSessionKeys(s, t, "aes-256-gcm"), base);
      }),
      { numRuns: 20 },
    );
  });

  it("throws RangeError for wrong input lengths or an unknown suite", () => {
    assert.throws(
      () => deriveSessionKeys(new Uint8Array(31), transcript, "aes-256-gcm"),
      RangeError,
    );
    assert.throws(() => deriveSessionKeys(shared, new Uint8Array(64), "aes-256-gcm"), RangeError);
    assert.throws(
      () => deriveSessionKeys(shared, transcript, "des" as "aes-256-gcm"),
      RangeError,
    );
  });
});

describe("constantTimeEqual()", () => {
  it("is true exactly for equal bytes", () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        assert.equal(constantTimeEqual(a, b), toHex(a) === toHex(b));
        assert.equal(constantTimeEqual(a, a.slice()), true);
      }),
    );
    assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
    assert.equal(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 0])), false);
  });
});
