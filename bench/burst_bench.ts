/**
 * Bursts of reliable messages over loopback UDP beside the same dialect over TCP (which cannot
 * lose a packet) in the same run, far larger than a socket buffer (Deno's is fixed at about 208
 * KiB):
 *
 * 1. one session: 1,000 DATA_ACKs of 16 KiB (16 MB) handed to `send()` at once, timed until every
 *    one is ACKed; time, resends and failed sends, median of 5 rounds (the congestion window);
 * 2. many sessions: 300 clients connect to one server at once and each sends one 60 KB DATA_ACK;
 *    time from the start until the median, 90th percentile and last ACK, one round (the random
 *    spread of retransmission timers, so that clients that lost packets together do not resend
 *    together).
 *
 * Run: `deno run -A --unstable-net bench/burst_bench.ts` or `bun bench/burst_bench.ts`. About
 * 5-15 s.
 *
 * @module
 */
import process from "node:process";
import { connect, listen } from "../core/node.ts";
import type { Transport } from "../core/transport.ts";
import { connection } from "../plugins/connection/mod.ts";
import { detectRuntime } from "../transports/_runtime.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { defaultUdpBinding, udp } from "../transports/udp/mod.ts";
import { formatCount as fmt, median } from "./_stats.ts";

const HOST = "127.0.0.1";
const MESSAGES = 1_000;
const SIZE = 16 * 1024;
const ROUNDS = 5;
const CLIENTS = 300;

interface Round {
  ms: number;
  resends: number;
  failed: number;
}

async function burst(transport: () => Transport): Promise<Round> {
  const server = await listen({
    transport: transport(),
    hostname: HOST,
    port: 0,
    plugins: connection(),
  });
  const client = await connect({
    transport: transport(),
    hostname: HOST,
    port: server.address.port,
    plugins: connection(),
  });
  let resends = 0;
  client.on("retransmit", () => void resends++);
  const message = new Uint8Array(SIZE).fill(7);
  const start = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: MESSAGES }, () => client.send(message)),
  );
  const ms = performance.now() - start;
  await client.close();
  await server.close();
  return { ms, resends, failed: results.filter((r) => r.status === "rejected").length };
}

/** 300 clients at once, one 60 KB message each: ms until the p50, p90 and last ACK, resends, failures. */
async function manyClients(transport: () => Transport) {
  const server = await listen({
    transport: transport(),
    hostname: HOST,
    port: 0,
    plugins: connection(),
  });
  const message = new Uint8Array(60_000).fill(5);
  const acked: number[] = [];
  let resends = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const client = await connect({
      transport: transport(),
      hostname: HOST,
      port: server.address.port,
      plugins: connection(),
    });
    client.on("retransmit", () => void resends++);
    try {
      await client.send(message);
      acked.push(performance.now() - start);
    } catch {
      failed++;
    }
    await client.close();
  }));
  await server.close();
  acked.sort((a, b) => a - b);
  const at = (q: number) => acked[Math.min(acked.length - 1, Math.floor(q * acked.length))] ?? NaN;
  return { p50: at(0.5), p90: at(0.9), last: at(1), resends, failed };
}

const cases: Record<string, () => Transport> = {
  [`udp (${defaultUdpBinding()})`]: () => udp(),
  tcp: () => tcp(),
};
const rounds: Record<string, Round[]> = {};
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, transport] of Object.entries(cases)) {
    const result = await burst(transport);
    if (round > 0) (rounds[name] ??= []).push(result);
  }
}

console.log(
  `# burst_bench: ${detectRuntime()} ${process.versions.bun ?? process.versions.deno ?? ""}, ` +
    `${fmt(MESSAGES)} reliable messages of ${SIZE / 1024} KiB sent at once (median of ${ROUNDS})\n`,
);
console.log("| transport | ms until all ACKed | messages/s | resends | failed | time vs tcp |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
const tcpMs = median(rounds.tcp!.map((r) => r.ms));
for (const [name, results] of Object.entries(rounds)) {
  const ms = median(results.map((r) => r.ms));
  console.log(
    `| ${name} | ${ms.toFixed(0)} | ${fmt((MESSAGES * 1000) / ms)} | ${
      fmt(median(results.map((r) => r.resends)))
    } | ${fmt(median(results.map((r) => r.failed)))} | ${(ms / tcpMs).toFixed(2)} |`,
  );
}

console.log(`\n${fmt(CLIENTS)} clients at once, one reliable 60 KB message each (one round):\n`);
console.log(
  "| transport | ms to median ACK | ms to 90th percentile | ms to last | resends | failed |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [name, transport] of Object.entries(cases)) {
  const m = await manyClients(transport);
  console.log(
    `| ${name} | ${m.p50.toFixed(0)} | ${m.p90.toFixed(0)} | ${m.last.toFixed(0)} | ${
      fmt(m.resends)
    } | ${m.failed} |`,
  );
}
