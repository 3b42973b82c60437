/**
 * The worker side of crypto_bench.ts's `--worker` rows: seals each 1 KiB plaintext of a posted
 * batch (one transferred buffer, `count` plaintexts of `size` bytes) and posts the sealed batch
 * back, transferred.
 *
 * @module
 */
import { createAead, preferredSuites } from "../plugins/thing/crypto/aead.ts";
import { buildNonce } from "../plugins/thing/crypto/nonce.ts";

interface Batch {
  buffer: ArrayBuffer;
  size: number;
  count: number;
}

const aead = createAead(preferredSuites()[0]!, new Uint8Array(32).fill(7));
const iv = new Uint8Array(12).fill(3);
const nonce = new Uint8Array(12);
const ad = new Uint8Array(32);
let order = 0;
const scope = globalThis as unknown as {
  onmessage: (event: MessageEvent<Batch>) => void;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
};

scope.onmessage = ({ data: { buffer, size, count } }) => {
  const plaintexts = new Uint8Array(buffer);
  const sealed = new Uint8Array(count * (size + 16));
  for (let i = 0; i < count; i++) {
    buildNonce(iv, order++, nonce);
    const out = sealed.subarray(i * (size + 16), (i + 1) * (size + 16));
    aead.sealInto(nonce, plaintexts.subarray(i * size, (i + 1) * size), ad, out);
  }
  scope.postMessage(sealed.buffer, [sealed.buffer]);
};
