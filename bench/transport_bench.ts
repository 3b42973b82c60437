/**
 * Loopback throughput of each transport beside the same runtime's raw socket API, same run.
 *
 * Run: `deno run -A --unstable-net bench/transport_bench.ts` or `bun bench/transport_bench.ts`.
 * Each case sends 1 KiB and 16 KiB packets client → server with a fixed window of packets in
 * flight (the same for transport and raw, small enough for the kernel's UDP receive buffer), and
 * reports the median of several short runs. Total time is about 20 s.
 *
 * @module
 */

import { createSocket } from "node:dgram";
import { createConnection, createServer, type Socket } from "node:net";
import { detectRuntime } from "../transports/_runtime.ts";
import { memory, memoryNetwork } from "../transports/memory/mod.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { defaultUdpBinding, udp } from "../transports/udp/mod.ts";
import { type MakePipe, measure, viaTransport } from "./_pipe_meter.ts";
import { formatCount as fmt, formatMBps } from "./_stats.ts";

const HOST = "127.0.0.1";
const RUN_MS = 150;
const RUNS = 5;

/** Counts whole packets in a byte stream of same-size packets. */
function byteCounter(size: number, received: (packets: number) => void) {
  let bytes = 0;
  return (n: number) => {
    bytes += n;
    const packets = Math.floor(bytes / size);
    if (packets > 0) {
      bytes -= packets * size;
      received(packets);
    }
  };
}

const rawNodeDgram: MakePipe = async (_size, received) => {
  const server = createSocket("udp4").on("message", () => received(1));
  const client = createSocket("udp4");
  await new Promise<void>((r) => server.bind(0, HOST, r));
  await new Promise<void>((r) => client.bind(0, HOST, r));
  const port = server.address().port;
  return {
    send: (bytes) => client.send(bytes, port, HOST),
    close: async () => {
      await new Promise<void>((r) => client.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

const rawNodeNet: MakePipe = async (size, received) => {
  const count = byteCounter(size, received);
  const accepted: Socket[] = [];
  const server = createServer((s) => {
    accepted.push(s);
    s.on("data", (d: Uint8Array) => count(d.length));
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const client = createConnection({ host: HOST, port, noDelay: true });
  await new Promise<void>((r) => client.once("connect", r));
  return {
    send: (bytes) => void client.write(bytes),
    close: async () => {
      client.destroy();
      for (const s of accepted) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

interface BunUdp {
  port: number;
  send(b: Uint8Array, port: number, host: string): boolean;
  close(): void;
}
interface BunTcpSocket {
  write(b: Uint8Array): number;
  end(): void;
  setNoDelay(on: boolean): void;
}
interface BunApi {
  udpSocket(o: object): Promise<BunUdp>;
  listen(o: object): { port: number; stop(all: boolean): void };
  connect(o: object): Promise<BunTcpSocket>;
}
const bun = () => (globalThis as unknown as { Bun: BunApi }).Bun;

const rawBunUdp: MakePipe = async (_size, received) => {
  const server = await bun().udpSocket({
    hostname: HOST,
    port: 0,
    socket: { data: () => received(1) },
  });
  const client = await bun().udpSocket({ hostname: HOST, port: 0 });
  return {
    send: (bytes) => void client.send(bytes, server.port, HOST),
    close: () => {
      client.close();
      server.close();
      return Promise.resolve();
    },
  };
};

const rawBunTcp: MakePipe = async (size, received) => {
  const count = byteCounter(size, received);
  const server = bun().listen({
    hostname: HOST,
    port: 0,
    socket: { data: (_s: unknown, d: Uint8Array) => count(d.length) },
  });
  let pending: Uint8Array[] = [];
  const flush = (s: BunTcpSocket) => {
    const queue = pending;
    pending = [];
    for (const [i, b] of queue.entries()) {
      const n = s.write(b);
      if (n < b.length) return void (pending = [b.subarray(Math.max(n, 0)), ...queue.slice(i + 1)]);
    }
  };
  const client = await bun().connect({
    hostname: HOST,
    port: server.port,
    socket: { data() {}, drain: (s: BunTcpSocket) => flush(s) },
  });
  client.setNoDelay(true);
  return {
    send(bytes) {
      if (pending.length > 0) return void pending.push(bytes);
      const n = client.write(bytes);
      if (n < bytes.length) pending.push(bytes.subarray(Math.max(n, 0)));
    },
    close: () => {
      client.end();
      server.stop(true);
      return Promise.resolve();
    },
  };
};

interface DenoDatagram {
  addr: { hostname: string; port: number; transport: "udp" };
  receive(b: Uint8Array): Promise<[Uint8Array, unknown]>;
  send(b: Uint8Array, to: object): Promise<number>;
  close(): void;
}
const listenDatagram = (o: object): DenoDatagram =>
  (Deno as unknown as { listenDatagram(o: object): DenoDatagram }).listenDatagram(o);

const rawDenoUdp: MakePipe = (_size, received) => {
  const server = listenDatagram({ hostname: HOST, port: 0, transport: "udp" });
  const client = listenDatagram({ hostname: HOST, port: 0, transport: "udp" });
  const loop = (async () => {
    const buffer = new Uint8Array(65_536);
    try {
      for (;;) await server.receive(buffer).then(() => received(1));
    } catch { /* closed */ }
  })();
  return Promise.resolve({
    send: (bytes) => void client.send(bytes, server.addr).catch(() => {}),
    close: () => (client.close(), server.close(), loop),
  });
};

const rawDenoTcp: MakePipe = async (size, received) => {
  const count = byteCounter(size, received);
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const client = await Deno.connect({ hostname: HOST, port: listener.addr.port });
  client.setNoDelay(true);
  const conn = await listener.accept();
  const reading = (async () => {
    const buffer = new Uint8Array(65_536);
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) count(n);
    } catch { /* closed */ }
  })();
  let writing = Promise.resolve();
  const writeAll = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await client.write(bytes.subarray(at));
  };
  return {
    send: (bytes) => void (writing = writing.then(() => writeAll(bytes)).catch(() => {})),
    close: async () => {
      client.close();
      await reading.catch(() => {});
      conn.close();
      listener.close();
    },
  };
};

const runtime = detectRuntime();
const denoUdp = defaultUdpBinding() === "deno";
const cases: Array<[string, MakePipe, string, MakePipe | undefined]> = [];
if (runtime === "bun") {
  cases.push([
    "udp (bun)",
    viaTransport(udp({ binding: "bun" }), HOST),
    "Bun.udpSocket",
    rawBunUdp,
  ]);
  cases.push([
    "tcp (bun)",
    viaTransport(tcp({ binding: "bun" }), HOST),
    "Bun.listen/connect",
    rawBunTcp,
  ]);
}
if (runtime === "deno") {
  if (denoUdp) {
    cases.push([
      "udp (deno)",
      viaTransport(udp({ binding: "deno" }), HOST),
      "Deno.listenDatagram",
      rawDenoUdp,
    ]);
  }
  cases.push([
    "tcp (deno)",
    viaTransport(tcp({ binding: "deno" }), HOST),
    "Deno.listen/connect",
    rawDenoTcp,
  ]);
}
cases.push([
  "udp (node)",
  viaTransport(udp({ binding: "node" }), HOST),
  "node:dgram",
  rawNodeDgram,
]);
cases.push(["tcp (node)", viaTransport(tcp({ binding: "node" }), HOST), "node:net", rawNodeNet]);
cases.push(["memory", viaTransport(memory(memoryNetwork()), "mem-1"), "-", undefined]);

const version = runtime === "deno"
  ? Deno.version.deno
  : (globalThis as { Bun?: { version: string } }).Bun?.version;
console.log(
  `transport_bench on ${runtime} ${version}: median of ${RUNS} interleaved runs of ${RUN_MS} ms, loopback\n`,
);
console.log("| transport | size | packets/s | MB/s | raw API | raw packets/s | raw MB/s | ratio |");
console.log("|---|---:|---:|---:|---|---:|---:|---:|");
const mb = (pps: number, size: number) => formatMBps(pps * size);
for (const [name, make, rawName, raw] of cases) {
  for (const size of [1024, 16 * 1024]) {
    const { ours, base } = await measure(make, raw, size, {
      runMs: RUN_MS,
      runs: RUNS,
      lossy: true,
    });
    const rawCols = base === undefined
      ? "- | - | -"
      : `${fmt(base)} | ${mb(base, size)} | ${(ours / base).toFixed(2)}`;
    console.log(
      `| ${name} | ${size / 1024} KiB | ${fmt(ours)} | ${
        mb(ours, size)
      } | ${rawName} | ${rawCols} |`,
    );
  }
}
