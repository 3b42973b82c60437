/**
 * Codec throughput: encode+decode of 64 B, 1 KiB and the largest (65,443 B) payloads with noble
 * and native SHA-256, beside a plain copy of the same bytes and a bare native SHA-256 of them.
 *
 * - `deno bench -A bench/codec_bench.ts` registers `Deno.bench` cases (one group per size).
 * - `bun bench/codec_bench.ts` (or `deno run -A bench/codec_bench.ts --plain`) runs its own timing
 *   loop and prints medians and the ratios to the bare native SHA-256.
 * - `--short` (either runtime): SHA-256 of short messages in a tight loop, the plain-code digest
 *   the checksum uses up to `SHORT_MAX` bytes beside a `node:crypto` hash of the same bytes.
 *
 * @module
 */
import { decodePacket, encodePacket } from "../core/codec.ts";
import type { Packet } from "../core/packet.ts";
import { createHash } from "node:crypto";
import process from "node:process";
import { digestShortInto, SHORT_MAX } from "../core/_sha256_short.ts";
import { nativeSha256, nobleSha256, type Sha256 } from "../core/sha256.ts";
import { median } from "./_stats.ts";

const native = nativeSha256();
const sizes: Array<[string, number]> = [["64 B", 64], ["1 KiB", 1024], ["64 KiB", 65_443]];

function packetOf(size: number): Packet {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 7 + 3) & 0xff;
  return {
    type: 0x07,
    clientId: new Uint8Array(16).fill(0x5a),
    reserved: 0,
    customId: 1,
    order: 123_456,
    payload,
    checksum: new Uint8Array(0),
  };
}

interface Case {
  name: string;
  fn: () => void;
}

let sink = 0;

/** The cases of one payload size, the plain copy first (the baseline). */
function casesFor(size: number): Case[] {
  const packet = packetOf(size);
  const bytes = encodePacket(packet, native);
  const rest = bytes.subarray(32);
  const digest = new Uint8Array(32);
  const roundTrip = (hash: Sha256) => () => {
    sink ^= decodePacket(encodePacket(packet, hash), hash).order;
  };
  return [
    { name: "copy", fn: () => void (sink ^= bytes.slice()[7]!) },
    { name: "sha256 native (bare)", fn: () => native.digestInto(rest, digest, 0) },
    { name: "encode+decode native", fn: roundTrip(native) },
    { name: "encode+decode noble", fn: roundTrip(nobleSha256) },
  ];
}

/** How many calls of `fn` take about `ms`. */
function calibrate(fn: () => void, ms: number): number {
  for (let batch = 1;; batch *= 2) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const took = performance.now() - start;
    if (took > 20) return Math.max(1, Math.round((batch * ms) / took));
  }
}

/**
 * Nanoseconds per call of each case, as the median over `rounds` rounds. Rounds interleave the
 * cases, so load on a shared machine hits every case alike; the ratios are per-round medians.
 */
function measure(cases: Case[], rounds = 15, ms = 60): Map<string, number[]> {
  const batches = cases.map((c) => calibrate(c.fn, ms));
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      const batch = batches[i]!;
      const start = performance.now();
      for (let j = 0; j < batch; j++) c.fn();
      samples.get(c.name)!.push(((performance.now() - start) * 1e6) / batch);
    });
  }
  return samples;
}

function runPlain(runtime: string): void {
  console.log(`codec bench on ${runtime}: medians of 15 interleaved rounds; MB/s of whole packets`);
  for (const [label, size] of sizes) {
    const samples = measure(casesFor(size));
    const bare = samples.get("sha256 native (bare)")!;
    const packetBytes = 64 + size;
    console.log(`\n${label} payload (${packetBytes} B packet)`);
    for (const [name, ns] of samples) {
      const t = median(ns);
      const mbps = (packetBytes / t) * 1e3;
      console.log(
        `  ${name.padEnd(22)} ${t.toFixed(0).padStart(9)} ns  ${mbps.toFixed(0).padStart(6)} MB/s`,
      );
    }
    for (const which of ["native", "noble"]) {
      const codec = samples.get(`encode+decode ${which}`)!;
      const perPacket = median(codec.map((t, r) => bare[r]! / t));
      console.log(
        `  encode+decode ${which} / bare native SHA-256: ` +
          `per packet ${pct(perPacket)}, per hash ${pct(2 * perPacket)}`,
      );
    }
  }
  if (sink === 0.5) console.log(sink);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

/** Nanoseconds per digest of short messages: plain code against a `node:crypto` hash. */
function runShort(runtime: string): void {
  console.log(
    `short SHA-256 on ${runtime}, medians of 15 interleaved rounds (SHORT_MAX ${SHORT_MAX})`,
  );
  console.log("| bytes | blocks | plain code (ns) | node:crypto (ns) | plain / node:crypto |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  const digest = new Uint8Array(32);
  for (const length of [48, 55, 56, 119, 120, 183, 184, 247]) {
    const data = Uint8Array.from({ length }, (_, i) => i);
    const samples = measure([
      { name: "plain", fn: () => digestShortInto(data, digest, 0) },
      { name: "node", fn: () => void createHash("sha256").update(data).digest("hex") },
    ]);
    const plain = median(samples.get("plain")!);
    const node = median(samples.get("node")!);
    const blocks = Math.ceil((length + 9) / 64);
    console.log(
      `| ${length} | ${blocks} | ${plain.toFixed(0)} | ${node.toFixed(0)} | ${
        (plain / node).toFixed(2)
      } |`,
    );
  }
}

const deno = (globalThis as {
  Deno?: {
    args: string[];
    bench(options: { name: string; group: string; baseline?: boolean; fn: () => void }): void;
  };
}).Deno;

if (process.argv.includes("--short")) {
  runShort(deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node");
} else if (deno && !deno.args.includes("--plain")) {
  for (const [label, size] of sizes) {
    for (const [i, c] of casesFor(size).entries()) {
      deno.bench({ name: `${c.name} ${label}`, group: label, baseline: i === 0, fn: c.fn });
    }
  }
} else {
  runPlain(deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node");
}
