/**
 * A burst of reliable messages: 1,000 DATA_ACKs of 16 KiB (16 MB) handed to `send()` at once,
 * timed until every one is ACKed, over loopback UDP beside the same dialect over TCP (which
 * cannot lose a packet) in the same run. It shows how the data plugin's congestion window
 * copes with a burst far larger than a socket buffer (Deno's is fixed at about 208 KiB):
 * time, resends and failed sends, median of 5 rounds.
 *
 * Run: `deno run -A --unstable-net bench/burst_bench.ts` or `bun bench/burst_bench.ts`. About 5 s.
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
