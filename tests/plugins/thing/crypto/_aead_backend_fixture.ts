// Prints which native AEAD backend this process picks per suite, and one AES-256-GCM seal by
// createAead ("auto") and by noble, as one JSON line.
import { createAead, nativeAeadBackend } from "../../../../plugins/thing/crypto/aead.ts";

const key = Uint8Array.from({ length: 32 }, (_, i) => i);
const nonce = Uint8Array.from({ length: 12 }, (_, i) => 100 + i);
const plaintext = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
const ad = new Uint8Array([1, 2, 3]);
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

console.log(JSON.stringify({
  aes: nativeAeadBackend("aes-256-gcm") ?? null,
  chacha: nativeAeadBackend("chacha20-poly1305") ?? null,
  auto: hex(createAead("aes-256-gcm", key).seal(nonce, plaintext, ad)),
  noble: hex(
    createAead("aes-256-gcm", key, { implementation: "noble" }).seal(nonce, plaintext, ad),
  ),
}));
