/**
 * The QUIC-style transport (`quic()`: UDP + Thing handshake + streams) on loopback beside raw TCP
 * (`node:net`) and TLS 1.3 (`node:tls`), all in one run: goodput of one 100 MB stream, measured
 * from the first write to the receiver's last byte, and peak RSS growth during the transfer. Then
 * goodput through simulated loss (the memory transport with a seeded `Impairment`, same plugins).
 * With `--split`, every receiver runs in a worker thread, so the two ends use two cores. With
 * `--live` (Bun only), every memory sample forces a full garbage collection first and reads the
 * live heap plus external memory (ArrayBuffers), so garbage between collections does not count:
 * that column shows what a transfer keeps, which flow control bounds. (Deno frees ArrayBuffers on a
 * background sweeper after a collection, so the same reading there counts garbage; its RSS growth
 * is small enough to read directly.)
 *
 * Two more sections over UDP: path MTU discovery (goodput and the packet size reached, starting at
 * 1,200 and probing up to 65,507, beside both sizes fixed), and priorities (how long a 256 KB
 * stream opened while one `MB`-megabyte stream is being sent takes to arrive, with urgency 0 and
 * with the default priority). `--extra` runs only those two.
 *
 * `--floor` times, beside TLS 1.3 and the QUIC-style stream, the two costs no stream layer can
 * avoid, each alone on this thread: sealing and opening `MB` megabytes in packets of the stream's
 * size (`Sealer` + `encodePacket`, `decodePacket` + `Opener`, the suite a session picks here), and
 * moving them through a UDP socket on loopback (raw datagrams of 65,507 bytes, at most two in
 * flight, a 16-byte reply per two so no datagram is dropped). Their sum is the fastest a stream
 * over this cipher and socket could go with everything else free.
 *
 * TLS uses the throwaway ECDSA P-256 certificate in bench/fixtures/ (see thing_bench.ts).
 *
 *     deno run -A --unstable-net bench/quic_bench.ts [MB] [rounds] [--split|--extra|--floor]
 *     bun bench/quic_bench.ts [MB] [rounds] [--split|--live|--extra|--floor]
 *
 * @module
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { decodePacket, encodePacket } from "../core/codec.ts";
import { connect, listen } from "../core/node.ts";
import { HEADER_SIZE, type Packet } from "../core/packet.ts";
import type { Transport } from "../core/transport.ts";
import {
  AEAD_TAG_LENGTH,
  ed25519KeyPair,
  nativeSuites,
  preferredSuites,
} from "../plugins/thing/crypto/mod.ts";
import { Opener, Sealer } from "../plugins/thing/sealer.ts";
import { FrameType } from "../plugins/streams/frames.ts";
import { rawSocket } from "./_raw_udp.ts";
import { streamSession } from "../plugins/streams/mod.ts";
import { LOOPBACK_PACKET_SIZE, quic, type QuicOptions } from "../presets/quic/mod.ts";
import { memory, memoryNetwork } from "../transports/memory/mod.ts";

type Kind = "quic" | "tcp" | "tls";

const HOST = "127.0.0.1";
const CHUNK = new Uint8Array(256 * 1024).fill(7);
const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const tlsKey = fixture("tls_bench_key.pem");
const tlsCert = fixture("tls_bench_cert.pem");
/** The default windows (2 MiB per stream, 8 MiB per session, 2 MiB send buffer), largest packets. */
const STREAM_OPTIONS: QuicOptions = { packetSize: LOOPBACK_PACKET_SIZE };

/** A listening receiver: its port, and a promise of the moment `bytes` have arrived. */
interface Receiver {
  port: number;
  done: Promise<void>;
  close(): Promise<void>;
}

/** Where QUIC runs: UDP by default, or the memory transport with other options. */
interface Path {
  transport: () => Transport;
  options: QuicOptions;
}

function quicNode(path: Path | undefined, role: "server" | "client") {
  const thing = role === "server" ? { identity: IDENTITY } : { serverKey: IDENTITY.publicKey };
  const preset = quic({ ...(path?.options ?? STREAM_OPTIONS), thing });
  return { transport: path ? path.transport() : preset.transport, plugins: preset.plugins };
}

/** Starts the receiving end of `kind`: a QUIC server on `path`, or a socket server. */
async function startReceiver(kind: Kind, bytes: number, path?: Path): Promise<Receiver> {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  if (kind === "quic") {
    const server = await listen({ ...quicNode(path, "server"), hostname: HOST, port: 0 });
    server.on("session", ({ session }) => {
      void (async () => {
        for await (const stream of streamSession(session).incomingBidirectionalStreams) {
          let got = 0;
          for await (const chunk of stream.readable) got += chunk.length;
          if (got === bytes) finish();
        }
      })();
    });
    return { port: server.address.port, done, close: () => server.close() };
  }
  const accept = (socket: net.Socket) => {
    let got = 0;
    socket.on("error", () => {}).on("data", (d: Uint8Array) => {
      got += d.length;
      if (got === bytes) finish();
    });
  };
  const server = kind === "tls"
    ? tls.createServer({ key: tlsKey, cert: tlsCert, minVersion: "TLSv1.3" }, accept)
    : net.createServer(accept);
  server.listen(0, HOST);
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    done,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Connects to `port` and writes `bytes`; returns a function that closes the sender. */
async function startSender(
  kind: Kind,
  port: number,
  bytes: number,
  path?: Path,
): Promise<() => Promise<void>> {
  if (kind === "quic") {
    const client = await connect({ ...quicNode(path, "client"), hostname: HOST, port });
    const stream = await streamSession(client.session).createBidirectionalStream();
    void (async () => {
      const writer = stream.writable.getWriter();
      for (let sent = 0; sent < bytes; sent += CHUNK.length) {
        await writer.write(sent + CHUNK.length <= bytes ? CHUNK : CHUNK.subarray(0, bytes - sent));
      }
      await writer.close();
    })().catch(() => {}); // the session closes once the receiver has everything
    return () => client.close();
  }
  const socket = kind === "tls"
    ? tls.connect({ host: HOST, port, ca: tlsCert, servername: "localhost" })
    : net.connect({ host: HOST, port });
  await once(socket, kind === "tls" ? "secureConnect" : "connect");
  void (async () => {
    for (let sent = 0; sent < bytes; sent += CHUNK.length) {
      const chunk = sent + CHUNK.length <= bytes ? CHUNK : CHUNK.subarray(0, bytes - sent);
      if (!socket.write(chunk)) await once(socket, "drain");
    }
  })().catch(() => {});
  return () => Promise.resolve(void socket.destroy());
}

const g = globalThis as {
  Bun?: { isMainThread: boolean; version: string; gc?: (sync: boolean) => void };
  WorkerGlobalScope?: new () => unknown;
  Deno?: { args: string[]; version: { deno: string } };
  postMessage?: (message: unknown) => void;
  onmessage?: (event: MessageEvent) => void;
};
const inWorker = g.Bun
  ? !g.Bun.isMainThread
  : g.WorkerGlobalScope !== undefined && globalThis instanceof g.WorkerGlobalScope;

/** Forces a full, synchronous collection on Bun; undefined elsewhere. */
const forceGc: (() => void) | undefined = g.Bun?.gc ? () => g.Bun!.gc!(true) : undefined;

/** Memory in use: RSS, or with `live` the heap and external memory right after a collection. */
function memoryNow(live: boolean): number {
  if (!live) return process.memoryUsage().rss;
  forceGc!();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

if (inWorker) {
  // Split mode's receiving end: start a receiver when asked, report its port and completion.
  let receiver: Receiver | undefined;
  g.onmessage = async ({ data }: MessageEvent) => {
    if (data.start) {
      receiver = await startReceiver(data.start as Kind, data.bytes as number);
      g.postMessage!({ port: receiver.port });
      await receiver.done;
      g.postMessage!({ done: true });
    } else if (data.close) {
      await receiver?.close();
      g.postMessage!({ closed: true });
    }
  };
} else {
  await main();
}

interface Run {
  seconds: number;
  /** CPU time of the whole process (every thread) during the transfer. */
  cpuSeconds: number;
  peakRss: number;
}

/** One transfer: receiver (here or in `worker`), sender, timing and peak RSS. */
async function run(
  kind: Kind,
  bytes: number,
  worker?: Worker,
  path?: Path,
  live = false,
): Promise<Run> {
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) => {
      worker!.onmessage = ({ data }) => resolve(data);
    });
  let receiver: Receiver;
  if (worker) {
    const started = next();
    worker.postMessage({ start: kind, bytes });
    const { port } = await started as { port: number };
    const done = next().then(() => {});
    receiver = {
      port,
      done,
      close: async () => {
        const closed = next();
        worker.postMessage({ close: true });
        await closed;
      },
    };
  } else receiver = await startReceiver(kind, bytes, path);
  const base = memoryNow(live);
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryNow(live))), live ? 100 : 20);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const closeSender = await startSender(kind, receiver.port, bytes, path);
  await receiver.done;
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(sampler);
  await closeSender();
  await receiver.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { seconds, cpuSeconds, peakRss: Math.max(peak, memoryNow(live)) - base };
}

async function main(): Promise<void> {
  const argv: string[] = g.Deno?.args ?? process.argv.slice(2);
  const args = argv.filter((a) => !a.startsWith("--"));
  const split = argv.includes("--split");
  const live = argv.includes("--live");
  const extra = argv.includes("--extra");
  const floor = argv.includes("--floor");
  if (live && !forceGc) {
    throw new Error("--live needs Bun's synchronous Bun.gc(true)");
  }
  const MB = Number(args[0] ?? 100);
  const ROUNDS = Number(args[1] ?? 3);
  const BYTES = MB * 1_000_000;
  const runtime = g.Bun ? `Bun ${g.Bun.version}` : `Deno ${g.Deno!.version.deno}`;
  const worker = split ? new Worker(import.meta.url, { type: "module" }) : undefined;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const rate = (bytes: number, r: Run) => bytes / r.seconds / 1_000_000;
  const deadline = performance.now() + 85_000;
  const names: Record<Kind, string> = {
    quic: "quic (udp)",
    tcp: "tcp (node:net)",
    tls: "tls 1.3 (node:tls)",
  };
  // The connection handshake is not timed: the clock starts as the sender connects, which is
  // the same for every case (one round trip for TCP, two for TLS 1.3 and Thing) and < 1 ms here.
  if (extra) return await extraSections(runtime, MB, ROUNDS, median);
  if (floor) return await floorSection(runtime, MB, ROUNDS, median);
  const results: Record<string, Run[]> = {};
  for (let round = 0; round < ROUNDS && performance.now() < deadline; round++) {
    for (const kind of ["quic", "tcp", "tls"] as const) {
      (results[kind] ??= []).push(await run(kind, BYTES, worker, undefined, live));
    }
  }
  worker?.terminate();
  const where = split ? "receiver in a worker thread" : "both ends on one thread";
  console.log(
    `${runtime}: ${MB} MB over one stream/socket on ${HOST} (${where}), median of ${ROUNDS}`,
  );
  const memoryColumn = live ? "peak live memory growth, after GC (MB)" : "peak RSS growth (MB)";
  // MB per CPU second (every thread of the process) is steadier than MB/s when other jobs load
  // the machine: it counts the work, not the waiting for a core.
  console.log(
    `| case | MB/s | ${memoryColumn} | vs TLS 1.3 | MB per CPU s | vs TLS 1.3 (CPU) |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  const perCpu = (r: Run) => BYTES / r.cpuSeconds / 1_000_000;
  const tlsRate = median(results.tls!.map((r) => rate(BYTES, r)));
  const tlsCpu = median(results.tls!.map(perCpu));
  for (const kind of ["quic", "tcp", "tls"] as const) {
    const runs = results[kind]!;
    const mbps = median(runs.map((r) => rate(BYTES, r)));
    const rss = median(runs.map((r) => r.peakRss / 1_000_000));
    const cpu = median(runs.map(perCpu));
    console.log(
      `| ${names[kind]} | ${mbps.toFixed(1)} | ${rss.toFixed(1)} | ${
        (mbps / tlsRate).toFixed(2)
      } | ${cpu.toFixed(1)} | ${(cpu / tlsCpu).toFixed(2)} |`,
    );
  }
  if (split || live) return;
  const lossMb = Math.min(MB, 30);
  const lossBytes = lossMb * 1_000_000;
  console.log(`\nMemory transport (same plugins, 16 KiB packets), ${lossMb} MB, seeded loss:`);
  console.log("| loss | MB/s | vs own lossless (median of the rounds' ratios) |");
  console.log("| ---: | ---: | ---: |");
  const options = { ...STREAM_OPTIONS, packetSize: 16_448 };
  // The loss levels take turns within each round, so load that changes during the run disturbs
  // them alike; a round's ratio compares it with that round's own lossless run.
  const losses = [0, 0.01, 0.05];
  const runs = losses.map(() => [] as number[]);
  const ratios = losses.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS && performance.now() < deadline; round++) {
    for (const [i, loss] of losses.entries()) {
      const network = memoryNetwork({ seed: 3, impairment: loss > 0 ? { loss } : undefined });
      const path = { transport: () => memory(network), options };
      runs[i]!.push(rate(lossBytes, await run("quic", lossBytes, undefined, path)));
      ratios[i]!.push(runs[i]!.at(-1)! / runs[0]!.at(-1)!);
    }
  }
  for (const [i, loss] of losses.entries()) {
    if (runs[i]!.length === 0) break;
    console.log(
      `| ${loss * 100} % | ${median(runs[i]!).toFixed(1)} | ${median(ratios[i]!).toFixed(2)} |`,
    );
  }
}

/** The path MTU and priority sections (UDP on loopback, both ends on one thread). */
async function extraSections(
  runtime: string,
  mb: number,
  rounds: number,
  median: (values: number[]) => number,
): Promise<void> {
  const bytes = mb * 1_000_000;
  const sizes: Array<[string, QuicOptions]> = [
    ["1,200 fixed (`quic()` before)", { packetSize: 1200 }],
    ["discovery 1,200 → 65,507", { maxPacketSize: LOOPBACK_PACKET_SIZE }],
    ["65,507 fixed (loopback before)", { packetSize: LOOPBACK_PACKET_SIZE }],
  ];
  const mtu: Record<string, Array<{ rate: number; size: number }>> = {};
  const priority: Record<string, number[]> = { default: [], urgent: [] };
  for (let round = 0; round < rounds; round++) {
    // Each case in turn goes first: a run pays for the garbage the previous one left (the
    // 1,200-byte case sends 50 times the packets), so a fixed order favours whichever follows it.
    for (let i = 0; i < sizes.length; i++) {
      const [name, options] = sizes[(round + i) % sizes.length]!;
      (mtu[name] ??= []).push(await mtuRun(bytes, options));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const urgent of [false, true]) {
      priority[urgent ? "urgent" : "default"]!.push(await priorityRun(bytes, urgent));
    }
  }
  console.log(
    `${runtime}: path MTU discovery, ${mb} MB over one stream on ${HOST}, median of ${rounds}`,
  );
  console.log("| packet size | MB/s | size reached | vs 1,200 fixed |");
  console.log("| --- | ---: | ---: | ---: |");
  const fixed = median(mtu[sizes[0]![0]]!.map((r) => r.rate));
  for (const [name] of sizes) {
    const rate = median(mtu[name]!.map((r) => r.rate));
    const size = median(mtu[name]!.map((r) => r.size));
    console.log(`| ${name} | ${rate.toFixed(1)} | ${size} | ${(rate / fixed).toFixed(2)} |`);
  }
  console.log(
    `\n${runtime}: a 256 KB stream opened while a ${mb} MB stream is sent, median of ${rounds}`,
  );
  console.log("| small stream | completion (ms) | vs default priority |");
  console.log("| --- | ---: | ---: |");
  const shared = median(priority.default!);
  for (
    const [name, key] of [["default (urgency 3, incremental)", "default"], [
      "urgency 0",
      "urgent",
    ]] as const
  ) {
    const ms = median(priority[key]!);
    console.log(`| ${name} | ${ms.toFixed(1)} | ${(ms / shared).toFixed(2)} |`);
  }
}

/** A QUIC server on loopback whose sessions report when each incoming stream has `bytes` read. */
async function countingServer(options: QuicOptions, onStream: (id: number, got: number) => void) {
  const server = await listen({
    ...quic({ ...options, thing: { identity: IDENTITY } }),
    hostname: HOST,
    port: 0,
  });
  server.on("session", ({ session }) => {
    void (async () => {
      for await (const stream of streamSession(session).incomingUnidirectionalStreams) {
        void (async () => {
          let got = 0;
          for await (const chunk of stream.readable) got += chunk.length;
          onStream(stream.id, got);
        })().catch(() => {});
      }
    })();
  });
  return server;
}

/** Writes `bytes` of `CHUNK`s on `writable` and closes it. */
async function writeBytes(writable: WritableStream<Uint8Array>, bytes: number): Promise<void> {
  const writer = writable.getWriter();
  for (let sent = 0; sent < bytes; sent += CHUNK.length) {
    await writer.write(sent + CHUNK.length <= bytes ? CHUNK : CHUNK.subarray(0, bytes - sent));
  }
  await writer.close();
}

/** One stream of `bytes` with these packet-size options: MB/s, and the size the path reached. */
async function mtuRun(
  bytes: number,
  options: QuicOptions,
): Promise<{ rate: number; size: number }> {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const server = await countingServer(options, (_id, got) => got === bytes && finish());
  const start = performance.now();
  const client = await connect({
    ...quic({ ...options, thing: { serverKey: IDENTITY.publicKey } }),
    hostname: HOST,
    port: server.address.port,
  });
  const streams = streamSession(client.session);
  void writeBytes((await streams.createUnidirectionalStream()).writable, bytes).catch(() => {});
  await done;
  const seconds = (performance.now() - start) / 1000;
  const size = streams.stats.packetSize;
  await client.close();
  await server.close();
  return { rate: bytes / seconds / 1_000_000, size };
}

/**
 * A bulk stream of `bulkBytes`; once a fifth of it has arrived, a 256 KB stream (urgency 0 when
 * `urgent`); returns the ms from opening the small stream to its last byte at the server.
 */
async function priorityRun(bulkBytes: number, urgent: boolean): Promise<number> {
  const options: QuicOptions = { maxPacketSize: LOOPBACK_PACKET_SIZE };
  const small = 262_144;
  let smallDone!: (at: number) => void;
  const smallAt = new Promise<number>((resolve) => (smallDone = resolve));
  let bulkDone!: () => void;
  const bulkAt = new Promise<void>((resolve) => (bulkDone = resolve));
  const server = await countingServer(options, (_id, got) => {
    if (got === small) smallDone(performance.now());
    if (got === bulkBytes) bulkDone();
  });
  const client = await connect({
    ...quic({ ...options, thing: { serverKey: IDENTITY.publicKey } }),
    hostname: HOST,
    port: server.address.port,
  });
  const streams = streamSession(client.session);
  const bulk = await streams.createUnidirectionalStream();
  void writeBytes(bulk.writable, bulkBytes).catch(() => {});
  while (streams.stats.bytesSent < bulkBytes / 5) await new Promise((r) => setTimeout(r, 1));
  const start = performance.now();
  const stream = await streams.createUnidirectionalStream(urgent ? { urgency: 0 } : {});
  void writeBytes(stream.writable, small).catch(() => {});
  const ms = (await smallAt) - start;
  await bulkAt;
  await client.close();
  await server.close();
  return ms;
}

/**
 * The floor: TLS 1.3 and the QUIC-style stream beside sealing + opening alone and the UDP socket
 * alone, `rounds` rounds taking turns, and what the two costs together allow.
 */
async function floorSection(
  runtime: string,
  mb: number,
  rounds: number,
  median: (values: number[]) => number,
): Promise<void> {
  const bytes = mb * 1_000_000;
  /** Wall and CPU seconds of one measurement. */
  type Timed = { seconds: number; cpuSeconds: number };
  const cases: Record<string, () => Promise<Timed>> = {
    "tls 1.3 (node:tls)": () => run("tls", bytes),
    "quic (udp)": () => run("quic", bytes),
    "seal + open alone": () => timed(() => sealOpen(bytes)),
    "udp socket alone": () => timed(() => udpTransfer(bytes)),
  };
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of Object.entries(cases)) {
      const { seconds, cpuSeconds } = await measure();
      (wall[name] ??= []).push(bytes / seconds / 1_000_000);
      (cpu[name] ??= []).push(bytes / cpuSeconds / 1_000_000);
    }
  }
  const suite = preferredSuites()[0]!;
  console.log(
    `${runtime}: ${mb} MB, ${suite}, packets of ${LOOPBACK_PACKET_SIZE} bytes, one thread, median of ${rounds}`,
  );
  console.log("| case | MB/s | vs TLS 1.3 | MB per CPU s | vs TLS 1.3 (CPU) |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  const tls = [median(wall["tls 1.3 (node:tls)"]!), median(cpu["tls 1.3 (node:tls)"]!)];
  const row = (name: string, rates: number[]) =>
    console.log(
      `| ${name} | ${rates[0]!.toFixed(1)} | ${(rates[0]! / tls[0]!).toFixed(2)} | ${
        rates[1]!.toFixed(1)
      } | ${(rates[1]! / tls[1]!).toFixed(2)} |`,
    );
  for (const name of Object.keys(cases)) row(name, [median(wall[name]!), median(cpu[name]!)]);
  // Both costs on one thread: their times add up.
  const both = (rates: Record<string, number[]>) =>
    1 / (1 / median(rates["seal + open alone"]!) + 1 / median(rates["udp socket alone"]!));
  row("seal + open + socket (the floor's rate)", [both(wall), both(cpu)]);
}

/** Wall and CPU seconds of `work`. */
async function timed(
  work: () => Promise<void> | void,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await work();
  const cpu = process.cpuUsage(cpuStart);
  return { seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Puts `bytes` through `Sealer.seal` + `encodePacket`, then `decodePacket` + `Opener.open`. */
function sealOpen(bytes: number): void {
  const suite = preferredSuites()[0]!;
  const direction = {
    suite,
    implementation: nativeSuites().includes(suite) ? "native" as const : "noble" as const,
    key: new Uint8Array(32).fill(7),
    iv: new Uint8Array(12).fill(3),
    rekeyAfter: Number.MAX_SAFE_INTEGER,
  };
  const sealer = new Sealer(direction);
  const opener = new Opener(direction, 64);
  const data = new Uint8Array(LOOPBACK_PACKET_SIZE - HEADER_SIZE - AEAD_TAG_LENGTH).fill(7);
  const clientId = new Uint8Array(16).fill(1);
  let order = 0;
  for (let done = 0; done < bytes; done += data.length) {
    const packet: Packet = {
      type: FrameType.STREAM,
      clientId,
      reserved: 0,
      customId: 0,
      order: order++,
      payload: data,
      checksum: new Uint8Array(0),
    };
    sealer.seal(packet);
    if (opener.open(decodePacket(encodePacket(packet))) !== "ok") {
      throw new Error("Cannot open a packet just sealed: the sealed path is broken");
    }
  }
}

/**
 * Moves `bytes` through a UDP socket on loopback, in datagrams of `LOOPBACK_PACKET_SIZE`: at most
 * two in flight, the receiver answering every second one with 16 bytes (an ACK's size).
 */
async function udpTransfer(bytes: number): Promise<void> {
  const datagram = new Uint8Array(LOOPBACK_PACKET_SIZE).fill(7);
  const reply = new Uint8Array(16);
  const total = Math.ceil(bytes / datagram.length);
  let sent = 0;
  let received = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const receiver = await rawSocket((_bytes, port) => {
    if (++received === total) finish();
    else if (received % 2 === 0) receiver.send(reply, port);
  });
  const sendTwo = () => {
    for (let i = 0; i < 2 && sent < total; i++, sent++) sender.send(datagram, receiver.port);
  };
  const sender = await rawSocket(sendTwo);
  sendTwo();
  const timeout = setTimeout(() => finish(), 30_000);
  await done;
  clearTimeout(timeout);
  sender.close();
  receiver.close();
  if (received < total) throw new Error(`Lost ${total - received} raw datagrams: no floor`);
}
