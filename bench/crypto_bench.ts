/**
 * Throughput of the Thing crypto primitives, native (`node:crypto`) against noble, on this runtime.
 *
 * Run: `deno run -A bench/crypto_bench.ts` or `bun bench/crypto_bench.ts` (about 30 s).
 * AEAD throughput rows count one seal plus one open of `size` plaintext bytes as `size` bytes; the
 * per-call rows time seal and open separately, in µs, at the packet sizes that matter; the sealed
 * packet path rows time what a Thing session does per DATA_NOACK packet without the socket (Sealer
 * then encodePacket on the sending side, decodePacket then Opener on the receiving side). Each
 * figure is the median of RUNS timed runs of about RUN_MS each, after a warm-up. Prints markdown
 * tables. `--path` runs only the sealed packet path rows (they use only APIs the tree before the
 * in-place sealing had too, so a copy of this file in that tree measures the "before" side).
 * `--worker` runs only the rows that seal 1 KiB packets in a worker thread (batches of 64 posted
 * and returned as transferred buffers, 4 batches in flight) beside sealing them on the main
 * thread: does moving the AEAD off the main thread pay? `--webcrypto` runs only the rows that
 * time AES-256-GCM through `crypto.subtle` (asynchronous: one call at a time, and 64 in flight),
 * the alternative to `node:crypto` with no per-call stream object (it has no ChaCha20-Poly1305).
 *
 * @module
 */

import process from "node:process";
import { decodePacket, encodePacket } from "../core/codec.ts";
import type { Packet } from "../core/packet.ts";
import {
  type Aead,
  createAead,
  nativeAeadBackend,
  nativeSuites,
  preferredSuites,
} from "../plugins/thing/crypto/aead.ts";
import { nodeCrypto } from "../plugins/thing/crypto/_native_keys.ts";
import { nodeCryptoAead } from "../plugins/thing/crypto/_node_aead.ts";
import { openSslAead } from "../plugins/thing/crypto/_openssl_aead.ts";
import { CIPHER_SUITES, type CipherSuite } from "../plugins/thing/crypto/cipher_suite.ts";
import {
  ed25519KeyPair,
  ed25519Sign,
  ed25519Verify,
  hasNativeEd25519,
} from "../plugins/thing/crypto/ed25519.ts";
import type { Implementation } from "../plugins/thing/crypto/implementation.ts";
import { deriveSessionKeys, hasNativeHmacSha256, hmacSha256 } from "../plugins/thing/crypto/kdf.ts";
import { buildNonce } from "../plugins/thing/crypto/nonce.ts";
import { hasNativeX25519, x25519KeyPair, x25519Shared } from "../plugins/thing/crypto/x25519.ts";
import { Opener, Sealer } from "../plugins/thing/sealer.ts";
import { ThingPacket } from "../plugins/thing/packets.ts";

const RUNS = 5;
const RUN_MS = 120;
const SIZES = [64, 1024, 16 * 1024, 64 * 1024];
const CALL_SIZES = [1024, 16 * 1024];
/** Sealed packets the path rows open in turn. */
const PATH_POOL = 256;

/** Median operations per second of `op`, over RUNS runs of about RUN_MS each. */
function opsPerSecond(op: () => void): number {
  const warmUntil = performance.now() + RUN_MS / 2;
  while (performance.now() < warmUntil) op();
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < RUN_MS) {
      op();
      ops++;
      now = performance.now();
    }
    rates.push(ops / ((now - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(RUNS / 2)]!;
}

function fixed(value: number | undefined, digits = 1): string {
  return value === undefined ? "-" : value.toFixed(digits);
}

function ratio(native: number | undefined, noble: number): string {
  return native === undefined ? "-" : `${(native / noble).toFixed(1)}×`;
}

function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return "Node";
}

function benchAead(): void {
  const native = nativeSuites();
  console.log("| size | suite | native MB/s | noble MB/s | native/noble |");
  console.log("|---:|---|---:|---:|---:|");
  for (const size of SIZES) {
    for (const suite of CIPHER_SUITES) {
      const rate = (implementation: Implementation): number => {
        const aead = createAead(suite, new Uint8Array(32).fill(7), { implementation });
        const plaintext = new Uint8Array(size).fill(0x5a);
        const ad = new Uint8Array(16);
        const iv = new Uint8Array(12).fill(3);
        const nonce = new Uint8Array(12);
        let count = 0;
        const ops = opsPerSecond(() => {
          buildNonce(iv, count++, nonce);
          if (aead.open(nonce, aead.seal(nonce, plaintext, ad), ad) === null) {
            throw new Error("Cannot open what was just sealed: the AEAD is broken");
          }
        });
        return (ops * size) / 1e6;
      };
      const noble = rate("noble");
      const nat = native.includes(suite) ? rate("native") : undefined;
      const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
      console.log(
        `| ${label} | ${suite} | ${fixed(nat)} | ${fixed(noble)} | ${ratio(nat, noble)} |`,
      );
    }
  }
}

/** The AEADs this runtime can run for `suite`, by the code behind them. */
function aeadBackends(suite: CipherSuite): [string, (key: Uint8Array) => Aead][] {
  const crypto = nodeCrypto();
  const backends: [string, (key: Uint8Array) => Aead | undefined][] = [
    ["openssl", (key) => openSslAead(suite, key)],
    [
      "node:crypto",
      (key) =>
        crypto?.getCiphers().includes(suite) ? nodeCryptoAead(crypto, suite, key) : undefined,
    ],
    ["noble", (key) => createAead(suite, key, { implementation: "noble" })],
  ];
  return backends.filter(([, make]) => make(new Uint8Array(32)) !== undefined) as [
    string,
    (key: Uint8Array) => Aead,
  ][];
}

/** µs per seal and per open at CALL_SIZES, for every suite and every AEAD code this runtime has. */
function benchAeadCalls(): void {
  const preferred = preferredSuites();
  console.log("| size | suite | code | seal µs | open µs | seal + open µs | preferred |");
  console.log("|---:|---|---|---:|---:|---:|---:|");
  for (const size of CALL_SIZES) {
    for (const suite of CIPHER_SUITES) {
      const picked = nativeAeadBackend(suite) ?? "noble";
      for (const [code, make] of aeadBackends(suite)) {
        const aead = make(new Uint8Array(32).fill(7));
        const plaintext = new Uint8Array(size).fill(0x5a);
        const ad = new Uint8Array(32);
        const nonce = new Uint8Array(12).fill(3);
        const sealed = aead.seal(nonce, plaintext, ad);
        const seal = 1e6 / opsPerSecond(() => aead.seal(nonce, plaintext, ad));
        const open = 1e6 / opsPerSecond(() => {
          if (aead.open(nonce, sealed, ad) === null) {
            throw new Error("Cannot open what was just sealed: the AEAD is broken");
          }
        });
        const rank = preferred[0] === suite && picked === code ? "first" : "";
        console.log(
          `| ${size / 1024} KiB | ${suite} | ${code} | ${fixed(seal, 2)} | ` +
            `${fixed(open, 2)} | ${fixed(seal + open, 2)} | ${rank} |`,
        );
      }
    }
  }
}

/** µs per DATA_NOACK packet through Sealer + encodePacket, and decodePacket + Opener. */
function benchSealedPath(): void {
  console.log("| size | suite | impl | seal + encode µs | decode + open µs | total µs |");
  console.log("|---:|---|---|---:|---:|---:|");
  for (const size of CALL_SIZES) {
    for (const suite of preferredSuites()) {
      const implementation: Implementation = nativeSuites().includes(suite) ? "native" : "noble";
      const direction = {
        suite,
        implementation,
        key: new Uint8Array(32).fill(7),
        iv: new Uint8Array(12).fill(3),
        rekeyAfter: Number.MAX_SAFE_INTEGER,
      };
      const sealer = new Sealer(direction);
      const data = new Uint8Array(size).fill(0x5a);
      const clientId = new Uint8Array(16).fill(1);
      let order = 0;
      const packet = (): Packet => ({
        type: ThingPacket.DATA_NOACK,
        clientId,
        reserved: 0,
        customId: 1,
        order: order++,
        payload: data,
        checksum: new Uint8Array(0),
      });
      const send = () => {
        const p = packet();
        sealer.seal(p);
        return encodePacket(p);
      };
      const seal = 1e6 / opsPerSecond(send);
      // Opening needs fresh order counts (the replay window): seal a pool once, open it in turn.
      // 256 packets, not more: a pool of 4096 (64 MiB at 16 KiB) left Bun's collector most of the
      // time, and the 16 KiB open row swung from 11 to 231 µs between runs of one tree.
      const pool = Array.from({ length: PATH_POOL }, send);
      let opener = new Opener(direction, 64);
      let next = 0;
      const open = 1e6 / opsPerSecond(() => {
        if (next === pool.length) {
          opener = new Opener(direction, 64);
          next = 0;
        }
        if (opener.open(decodePacket(pool[next++]!.slice())) !== "ok") {
          throw new Error("Cannot open what was just sealed: the sealed path is broken");
        }
      });
      console.log(
        `| ${size / 1024} KiB | ${suite} | ${implementation} | ${fixed(seal, 2)} | ` +
          `${fixed(open, 2)} | ${fixed(seal + open, 2)} |`,
      );
    }
  }
}

function benchKeys(): void {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  const message = new Uint8Array(64).fill(9);
  const rows: [string, boolean, (implementation: Implementation) => () => void][] = [
    ["x25519 key pair", hasNativeX25519(), (implementation) => () => {
      x25519KeyPair(a, { implementation });
    }],
    ["x25519 shared", hasNativeX25519(), (implementation) => {
      const peer = x25519KeyPair(b).publicKey;
      return () => x25519Shared(a, peer, { implementation });
    }],
    ["ed25519 sign", hasNativeEd25519(), (implementation) => () => {
      ed25519Sign(a, message, { implementation });
    }],
    ["ed25519 verify", hasNativeEd25519(), (implementation) => {
      const publicKey = ed25519KeyPair(a).publicKey;
      const signature = ed25519Sign(a, message);
      return () => {
        if (!ed25519Verify(publicKey, message, signature, { implementation })) {
          throw new Error("Cannot verify a fresh signature: Ed25519 is broken");
        }
      };
    }],
    ["hmac-sha256, 64 B", hasNativeHmacSha256(), (implementation) => () => {
      hmacSha256(a, message, { implementation });
    }],
    ["key schedule (7 HMACs)", hasNativeHmacSha256(), (implementation) => () => {
      deriveSessionKeys(a, b, "chacha20-poly1305", { implementation });
    }],
  ];
  console.log("| operation | native ops/s | noble ops/s | native/noble |");
  console.log("|---|---:|---:|---:|");
  for (const [name, hasNative, make] of rows) {
    const noble = opsPerSecond(make("noble"));
    const nat = hasNative ? opsPerSecond(make("native")) : undefined;
    console.log(`| ${name} | ${fixed(nat, 0)} | ${fixed(noble, 0)} | ${ratio(nat, noble)} |`);
  }
}

/** Seals 1 KiB packets on this thread, then through a worker, for about RUN_MS × RUNS each. */
async function benchWorker(): Promise<void> {
  const size = 1024;
  const batch = 64;
  const aead = createAead(preferredSuites()[0]!, new Uint8Array(32).fill(7));
  const plaintexts = new Uint8Array(size * batch).fill(0x5a);
  const out = new Uint8Array(size + 16);
  const nonce = new Uint8Array(12);
  const ad = new Uint8Array(32);
  let order = 0;
  const inline = opsPerSecond(() => {
    buildNonce(ad.subarray(0, 12), order++, nonce);
    aead.sealInto(nonce, plaintexts.subarray(0, size), ad, out);
  });
  const worker = new Worker(new URL("./_seal_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const window = 4;
  const runMs = RUN_MS * RUNS;
  let sealed = 0;
  let busy = 0;
  const start = performance.now();
  await new Promise<void>((done) => {
    let inFlight = 0;
    const post = () => {
      const began = performance.now();
      const copy = plaintexts.slice();
      worker.postMessage({ buffer: copy.buffer, size, count: batch }, [copy.buffer]);
      inFlight++;
      busy += performance.now() - began;
    };
    worker.onmessage = () => {
      inFlight--;
      sealed += batch;
      if (performance.now() - start < runMs) post();
      else if (inFlight === 0) done();
    };
    for (let i = 0; i < window; i++) post();
  });
  const elapsed = performance.now() - start;
  worker.terminate();
  const offloaded = (sealed * 1000) / elapsed;
  console.log("| where | 1 KiB seals/s | main-thread µs per seal |");
  console.log("|---|---:|---:|");
  console.log(`| main thread | ${fixed(inline, 0)} | ${fixed(1e6 / inline, 2)} |`);
  console.log(
    `| worker (64 per batch, 4 in flight) | ${fixed(offloaded, 0)} | ${
      fixed((busy * 1000) / sealed, 2)
    } (posting only) |`,
  );
}

/** µs per AES-256-GCM seal through WebCrypto, one at a time and 64 in flight. */
async function benchWebCrypto(): Promise<void> {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(32).fill(7), "AES-GCM", false, [
    "encrypt",
  ]);
  const params = { name: "AES-GCM", iv: new Uint8Array(12), additionalData: new Uint8Array(32) };
  console.log("| size | one at a time µs | 64 in flight µs per seal |");
  console.log("|---:|---:|---:|");
  for (const size of CALL_SIZES) {
    const plaintext = new Uint8Array(size).fill(0x5a);
    const per = async (parallel: number) => {
      const rates: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        let calls = 0;
        const start = performance.now();
        while (performance.now() - start < RUN_MS) {
          const pending = [];
          for (let i = 0; i < parallel; i++) {
            pending.push(crypto.subtle.encrypt(params, key, plaintext));
          }
          await Promise.all(pending);
          calls += parallel;
        }
        if (run > 0) rates.push(((performance.now() - start) * 1000) / calls);
      }
      return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
    };
    console.log(`| ${size / 1024} KiB | ${fixed(await per(1), 2)} | ${fixed(await per(64), 2)} |`);
  }
}

if (import.meta.main && process.argv.includes("--webcrypto")) {
  console.log(`# AES-256-GCM through WebCrypto on ${runtimeName()}\n`);
  await benchWebCrypto();
} else if (import.meta.main && process.argv.includes("--worker")) {
  console.log(`# Thing AEAD in a worker on ${runtimeName()}\n`);
  await benchWorker();
} else if (import.meta.main && process.argv.includes("--path")) {
  console.log(
    `# Thing sealed packet path on ${runtimeName()} (median of ${RUNS} × ${RUN_MS} ms)\n`,
  );
  benchSealedPath();
} else if (import.meta.main) {
  const started = performance.now();
  console.log(`# Thing crypto on ${runtimeName()} (median of ${RUNS} × ${RUN_MS} ms)\n`);
  console.log("AEAD seal + open (MB/s of plaintext)\n");
  benchAead();
  console.log(
    "\nAEAD µs per call (one key, fixed nonce; `preferred`: what a CHI offers first, and the code",
  );
  console.log("createAead picks for it)\n");
  benchAeadCalls();
  console.log("\nKey agreement, signatures and key derivation\n");
  benchKeys();
  console.log("\nSealed packet path, DATA_NOACK, no socket (µs per packet)\n");
  benchSealedPath();
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
