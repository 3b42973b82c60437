/**
 * The QUIC-style transport (`quic()`: UDP + Thing handshake + streams) on loopback beside raw TCP
 * (`node:net`) and TLS 1.3 (`node:tls`), all in one run: goodput of one 100 MB stream, measured
 * from the first write to the receiver's last byte, and peak RSS growth during the transfer. Then
 * goodput through simulated loss (the memory transport with a seeded `Impairment`, same plugins).
 *
 * TLS uses the throwaway ECDSA P-256 certificate in bench/fixtures/ (see thing_bench.ts).
 *
 *     deno run -A --unstable-net bench/quic_bench.ts [MB] [rounds]
 *     bun bench/quic_bench.ts [MB] [rounds]
 *
 * @module
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { connect, listen } from "../core/node.ts";
import type { Transport } from "../core/transport.ts";
import { ed25519KeyPair } from "../plugins/thing/crypto/mod.ts";
import { streamSession } from "../plugins/streams/mod.ts";
import { LOOPBACK_PACKET_SIZE, quic, type QuicOptions } from "../transports/quic/mod.ts";
import { memory, memoryNetwork } from "../transports/memory/mod.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const MB = Number(args[0] ?? 100);
const ROUNDS = Number(args[1] ?? 3);
const BYTES = MB * 1_000_000;
const CHUNK = new Uint8Array(256 * 1024).fill(7);
const HOST = "127.0.0.1";
const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const tlsKey = fixture("tls_bench_key.pem");
const tlsCert = fixture("tls_bench_cert.pem");
/** The default windows (2 MiB per stream, 8 MiB per session, 2 MiB send buffer), largest packets. */
const STREAM_OPTIONS: QuicOptions = { packetSize: LOOPBACK_PACKET_SIZE };

interface Run {
  seconds: number;
  peakRss: number;
}

/** Samples RSS every 20 ms while `work` runs; returns its duration and the peak RSS growth. */
async function measure(bytes: number, work: (done: () => void) => Promise<void>): Promise<Run> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const start = performance.now();
  await work(finish);
  await finished;
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  void bytes;
  return { seconds, peakRss: peak - base };
}

async function writeStream(writable: WritableStream<Uint8Array>, bytes: number): Promise<void> {
  const writer = writable.getWriter();
  for (let sent = 0; sent < bytes; sent += CHUNK.length) {
    await writer.write(sent + CHUNK.length <= bytes ? CHUNK : CHUNK.subarray(0, bytes - sent));
  }
  await writer.close();
}

async function quicRun(
  transport: () => Transport,
  options: QuicOptions,
  bytes: number,
): Promise<Run> {
  const preset = quic({ ...options, thing: { identity: IDENTITY } });
  const server = await listen({
    transport: transport(),
    plugins: preset.plugins,
    port: 0,
    hostname: HOST,
  });
  let onDone = () => {};
  server.on("session", ({ session }) => {
    void (async () => {
      for await (const stream of streamSession(session).incomingBidirectionalStreams) {
        let got = 0;
        for await (const chunk of stream.readable) got += chunk.length;
        if (got === bytes) onDone();
      }
    })();
  });
  const clientPreset = quic({ ...options, thing: { serverKey: IDENTITY.publicKey } });
  const client = await connect({
    transport: transport(),
    plugins: clientPreset.plugins,
    port: server.address.port,
    hostname: server.address.hostname,
  });
  try {
    return await measure(bytes, async (done) => {
      onDone = done;
      const stream = await streamSession(client.session).createBidirectionalStream();
      writeStream(stream.writable, bytes).catch(() => {}); // the session closes after the receiver is done
    });
  } finally {
    await client.close();
    await server.close();
  }
}

async function socketRun(secure: boolean, bytes: number): Promise<Run> {
  let onDone = () => {};
  const accept = (socket: net.Socket) => {
    let got = 0;
    socket.on("error", () => {}).on("data", (d: Uint8Array) => {
      got += d.length;
      if (got === bytes) onDone();
    });
  };
  const server = secure
    ? tls.createServer({ key: tlsKey, cert: tlsCert, minVersion: "TLSv1.3" }, accept)
    : net.createServer(accept);
  server.listen(0, HOST);
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  const socket = secure
    ? tls.connect({ host: HOST, port, ca: tlsCert, servername: "localhost" })
    : net.connect({ host: HOST, port });
  await once(socket, secure ? "secureConnect" : "connect");
  try {
    return await measure(bytes, async (done) => {
      onDone = done;
      for (let sent = 0; sent < bytes; sent += CHUNK.length) {
        const chunk = sent + CHUNK.length <= bytes ? CHUNK : CHUNK.subarray(0, bytes - sent);
        if (!socket.write(chunk)) await once(socket, "drain");
      }
    });
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const rate = (bytes: number, run: Run) => bytes / run.seconds / 1_000_000;
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
  ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`;

const deadline = performance.now() + 85_000;
const cases: Record<string, () => Promise<Run>> = {
  "quic (udp)": () => quicRun(() => quic().transport, STREAM_OPTIONS, BYTES),
  "tcp (node:net)": () => socketRun(false, BYTES),
  "tls 1.3 (node:tls)": () => socketRun(true, BYTES),
};
const results: Record<string, Run[]> = {};
for (let round = 0; round < ROUNDS && performance.now() < deadline; round++) {
  for (const [name, run] of Object.entries(cases)) (results[name] ??= []).push(await run());
}
console.log(`${runtime}: ${MB} MB over one stream/socket on ${HOST}, median of ${ROUNDS} rounds`);
console.log("| case | MB/s | peak RSS growth (MB) | vs TLS 1.3 |");
console.log("| --- | ---: | ---: | ---: |");
const tlsRate = median(results["tls 1.3 (node:tls)"]!.map((r) => rate(BYTES, r)));
const lossless: Record<string, number> = {};
for (const [name, runs] of Object.entries(results)) {
  const mbps = median(runs.map((r) => rate(BYTES, r)));
  lossless[name] = mbps;
  const rss = median(runs.map((r) => r.peakRss / 1_000_000));
  console.log(
    `| ${name} | ${mbps.toFixed(1)} | ${rss.toFixed(1)} | ${(mbps / tlsRate).toFixed(2)} |`,
  );
}

const LOSS_MB = Math.min(MB, 30);
const lossBytes = LOSS_MB * 1_000_000;
console.log(`\nMemory transport (same plugins, 16 KiB packets), ${LOSS_MB} MB, seeded loss:`);
console.log("| loss | MB/s | vs own lossless |");
console.log("| ---: | ---: | ---: |");
const memoryOptions: QuicOptions = { ...STREAM_OPTIONS, packetSize: 16_448 };
let base = 0;
for (const loss of [0, 0.01, 0.05]) {
  if (performance.now() > deadline) break;
  const network = memoryNetwork({ seed: 3, impairment: loss > 0 ? { loss } : undefined });
  const runs: number[] = [];
  for (let i = 0; i < ROUNDS && performance.now() < deadline; i++) {
    runs.push(rate(lossBytes, await quicRun(() => memory(network), memoryOptions, lossBytes)));
  }
  const mbps = median(runs);
  if (loss === 0) base = mbps;
  console.log(`| ${loss * 100} % | ${mbps.toFixed(1)} | ${(mbps / base).toFixed(2)} |`);
}
