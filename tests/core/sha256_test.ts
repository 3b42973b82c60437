import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultSha256, nativeSha256, nobleSha256, sha256 } from "../../core/sha256.ts";

const ABC = new Uint8Array([0x61, 0x62, 0x63]);
const ABC_DIGEST = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Runs `body` with `globalThis.process` hidden, as in a browser. */
function withoutProcess<T>(body: () => T): T {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "process");
  Object.defineProperty(globalThis, "process", { value: undefined, configurable: true });
  try {
    return body();
  } finally {
    if (descriptor) Object.defineProperty(globalThis, "process", descriptor);
    else delete (globalThis as { process?: unknown }).process;
  }
}

describe("sha256", () => {
  it("defaultSha256() is the native implementation on Deno, Bun and Node", () => {
    assert.equal(defaultSha256().implementation, "native");
    assert.equal(hex(sha256(ABC)), ABC_DIGEST);
  });

  it("nativeSha256() and nobleSha256 digest 'abc' alike at an offset", () => {
    for (const provider of [nativeSha256(), nobleSha256]) {
      const out = new Uint8Array(40);
      provider.digestInto(ABC, out, 8);
      assert.equal(hex(out.subarray(8)), ABC_DIGEST, provider.implementation);
    }
  });

  it("nativeSha256() matches nobleSha256 on inputs of many lengths, at every offset byte", () => {
    const native = nativeSha256();
    for (let length = 0; length < 2_100; length += 97) {
      const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      const a = new Uint8Array(37).fill(0xee);
      const b = new Uint8Array(37).fill(0xee);
      native.digestInto(data, a, 5);
      nobleSha256.digestInto(data, b, 5);
      assert.equal(hex(a), hex(b), `length ${length}`);
    }
  });

  it("nativeSha256() without node:crypto throws a TypeError, unless Bun.SHA256 serves", () => {
    const onBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
    withoutProcess(() => {
      if (onBun) {
        const out = new Uint8Array(32);
        nativeSha256().digestInto(ABC, out, 0);
        assert.equal(hex(out), ABC_DIGEST);
      } else {
        assert.throws(() => nativeSha256(), TypeError);
      }
    });
  });
});
