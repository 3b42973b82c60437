/**
 * The Thing dialect on loopback beside TLS 1.3 (`node:tls`, same runtime, same run):
 *
 * 1. handshakes/s, one at a time and 8 in flight (each: connect, then a graceful close);
 * 2. connect-to-first-byte: connect, send 1 byte, receive its echo (median of 100);
 * 3. throughput at 1 KiB and 16 KiB: sealed DATA_NOACK (`thing()`) and DATA_ACK (`hybrid()`)
 *    over UDP with a fixed window in flight, beside a TLS stream writing the same chunks and
 *    the unsealed Connection dialect's DATA_NOACK (what sealing costs). Each message is its own
 *    packet in these rows (`framed: false` where the tree has FRAMED packets). Where it has them
 *    (the Connection data plugin's `framed` option), two more rows send the same messages
 *    through `hybrid()` coalesced into sealed FRAMED packets (flush at the end of the tick):
 *    unreliable (`reliable: false`, the coalesced counterpart of sealed DATA_NOACK) and reliable
 *    (acknowledged by ACK-range frames, the counterpart of DATA_ACK), in packets of the default
 *    16 KiB and of the loopback's largest (`LOOPBACK_FRAMED_PACKET`: one sealed packet fills a
 *    65,507-byte UDP datagram, as `quic_bench.ts` runs its streams). A tree without the option
 *    prints "-" there, so this file measures the tree before coalescing too. A second table gives
 *    the same cases in MB per CPU second of this process (both ends, all threads: the
 *    `process.cpuUsage()` of each 300 ms run), which other load on the machine bends less than
 *    wall time.
 *
 * TLS uses the ECDSA P-256 test certificate in bench/fixtures/ (made once with `openssl req -x509
 * -newkey ec -pkeyopt ec_paramgen_curve:prime256v1`; node:crypto cannot issue certificates) and
 * is pinned to TLSv1.3. Rounds of each case are interleaved so machine load hits them alike; the
 * figures are medians. Run: `deno run -A --unstable-net bench/thing_bench.ts` (native UDP; plain
 * `-A` falls back to node:dgram) or `bun bench/thing_bench.ts`. About 50 s; `--throughput` runs
 * the throughput table alone (about 30 s).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { once } from "node:events";
import process from "node:process";
import * as tls from "node:tls";
import { connect, listen, type ThingClient, type ThingNode } from "../core/node.ts";
import type { PluginList } from "../core/plugin.ts";
import * as thingCrypto from "../plugins/thing/crypto/mod.ts";
import { AEAD_TAG_LENGTH } from "../plugins/thing/crypto/aead.ts";
import { MAX_PAYLOAD_SIZE } from "../core/packet.ts";
import { connection } from "../plugins/connection/mod.ts";
import { hybrid, thing } from "../plugins/thing/mod.ts";
import { detectRuntime } from "../transports/_runtime.ts";
import { defaultUdpBinding, udp } from "../transports/udp/mod.ts";
import { Completions, paced } from "./_paced.ts";
import { formatCount as fmt, formatMBps as mb, median } from "./_stats.ts";

const HOST = "127.0.0.1";
const ROUNDS = 5;
const HANDSHAKE_MS = 400;
const STREAM_MS = 300;
const FIRST_BYTE_RUNS = 100;
const identity = thingCrypto.ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));
const tlsKey = fixture("tls_bench_key.pem");
const tlsCert = fixture("tls_bench_cert.pem");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether this tree's Connection data plugin has FRAMED packets (the `framed` option). */
function hasFraming(): boolean {
  try {
    connection({ framed: false } as Parameters<typeof connection>[0]);
    return true;
  } catch {
    return false;
  }
}
const FRAMING = hasFraming();
/** One message per packet: the seed data packets, also where FRAMED packets exist. */
const perPacket = (FRAMING ? { framed: false } : {}) as Record<string, never>;
/** Messages of one tick coalesced into FRAMED packets (only where the tree has them). */
const coalesced = { framed: true, flush: "tick" } as unknown as Record<string, never>;
/** The largest FRAMED payload whose sealed packet (tag and header) is one loopback UDP datagram. */
const LOOPBACK_FRAMED_PACKET = MAX_PAYLOAD_SIZE - AEAD_TAG_LENGTH;
/** The same, packed into packets as large as loopback carries. */
const coalescedLarge = {
  ...coalesced,
  packetSize: LOOPBACK_FRAMED_PACKET,
} as unknown as Record<string, never>;

type Dialect = (role: "client" | "server") => PluginList;
const thingDialect: Dialect = (role) =>
  role === "server" ? thing({ identity }) : thing({ serverKey: identity.publicKey });
const hybridWith = (data: Record<string, never>): Dialect => (role) =>
  role === "server"
    ? hybrid({ identity, ...data })
    : hybrid({ serverKey: identity.publicKey, ...data });
const hybridDialect = hybridWith(perPacket);
const coalescedDialect = hybridWith(coalesced);
const coalescedLargeDialect = hybridWith(coalescedLarge);
const plainDialect: Dialect = () => connection(perPacket);

function thingServer(dialect: Dialect): Promise<ThingNode> {
  return listen({ transport: udp(), hostname: HOST, port: 0, plugins: dialect("server") });
}

function thingClient(port: number, dialect: Dialect): Promise<ThingClient> {
  return connect({ transport: udp(), hostname: HOST, port, plugins: dialect("client") });
}

async function tlsServer(onSocket: (socket: tls.TLSSocket) => void): Promise<tls.Server> {
  const server = tls.createServer(
    { key: tlsKey, cert: tlsCert, minVersion: "TLSv1.3", maxVersion: "TLSv1.3" },
    onSocket,
  );
  server.listen(0, HOST);
  await once(server, "listening");
  return server;
}

async function tlsClient(port: number): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: HOST, port, ca: tlsCert, servername: "localhost" });
  await once(socket, "secureConnect");
  if (socket.getProtocol() !== "TLSv1.3") {
    throw new Error(`Expected TLSv1.3, got ${socket.getProtocol()}`);
  }
  return socket;
}

async function tlsClose(socket: tls.TLSSocket): Promise<void> {
  const closed = once(socket, "close");
  socket.end();
  await closed;
}

/** Connect-then-close loops, `parallel` at a time, for `ms`: completed connects per second. */
async function handshakeRate(cycle: () => Promise<void>, parallel: number): Promise<number> {
  let count = 0;
  const start = performance.now();
  const end = start + HANDSHAKE_MS;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (performance.now() < end) {
      await cycle();
      count++;
    }
  }));
  return (count * 1000) / (performance.now() - start);
}

async function handshakes() {
  const server = await thingServer(thingDialect);
  const secure = await tlsServer((s) => s.on("error", () => {}).resume());
  const port = (secure.address() as { port: number }).port;
  const cases: Record<string, () => Promise<void>> = {
    thing: async () => await (await thingClient(server.address.port, thingDialect)).close(),
    tls: async () => await tlsClose(await tlsClient(port)),
  };
  const rates: Record<string, number[]> = {};
  for (let round = 0; round <= ROUNDS; round++) {
    for (const parallel of [1, 8]) {
      for (const [name, cycle] of Object.entries(cases)) {
        const rate = await handshakeRate(cycle, parallel);
        if (round > 0) (rates[`${name}/${parallel}`] ??= []).push(rate);
      }
    }
  }
  await server.close();
  secure.close();
  return Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
}

async function firstByte() {
  const server = await thingServer(thingDialect);
  server.on("message", ({ session, data }) => void session.send(data, { reliable: false }));
  const secure = await tlsServer((s) => s.on("error", () => {}).on("data", (d) => s.write(d)));
  const port = (secure.address() as { port: number }).port;
  const one = new Uint8Array([42]);
  const thingRuns: number[] = [];
  const tlsRuns: number[] = [];
  for (let i = 0; i < FIRST_BYTE_RUNS + 10; i++) {
    let start = performance.now();
    const client = await thingClient(server.address.port, thingDialect);
    const echoed = new Promise((resolve) => client.on("message", resolve));
    await client.send(one, { reliable: false });
    await echoed;
    if (i >= 10) thingRuns.push(performance.now() - start);
    await client.close();
    start = performance.now();
    const socket = await tlsClient(port);
    socket.write(one);
    await once(socket, "data");
    if (i >= 10) tlsRuns.push(performance.now() - start);
    await tlsClose(socket);
  }
  await server.close();
  secure.close();
  return { thing: median(thingRuns), tls: median(tlsRuns) };
}

async function tlsStream(socket: tls.TLSSocket, chunk: Uint8Array, received: () => number) {
  const first = received();
  const start = performance.now();
  while (performance.now() - start < STREAM_MS) {
    if (!socket.write(chunk)) await once(socket, "drain");
  }
  const bytes = received() - first;
  return bytes / ((performance.now() - start) / 1000);
}

/** The throughput cases, by name, with the label of their table row. */
const CASES = [
  ["clear", "unsealed DATA_NOACK (connection), one packet each"],
  ["noack", "thing DATA_NOACK, one packet each"],
  ["ack", "hybrid DATA_ACK, one packet each"],
  ["framedNoack", "coalesced unreliable (hybrid), 16 KiB packets"],
  ["framedAck", "coalesced reliable (hybrid), 16 KiB packets"],
  ["largeNoack", "coalesced unreliable (hybrid), loopback-size packets"],
  ["largeAck", "coalesced reliable (hybrid), loopback-size packets"],
  ["tls", "TLS 1.3 stream"],
] as const;

async function throughput(size: number) {
  const window = size <= 1024 ? 64 : 8;
  const payload = new Uint8Array(size).fill(7);
  const noack = new Completions();
  const acked = new Completions();
  const clear = new Completions();
  const framedNoack = new Completions();
  const framedAcked = new Completions();
  const largeNoack = new Completions();
  const largeAcked = new Completions();
  const unsealed = await thingServer(plainDialect);
  unsealed.on("message", () => clear.add());
  const unsealedClient = await thingClient(unsealed.address.port, plainDialect);
  const plain = await thingServer(thingDialect);
  plain.on("message", () => noack.add());
  const reliable = await thingServer(hybridDialect);
  const plainClient = await thingClient(plain.address.port, thingDialect);
  const reliableClient = await thingClient(reliable.address.port, hybridDialect);
  const packed = FRAMING ? await thingServer(coalescedDialect) : undefined;
  packed?.on("message", () => framedNoack.add());
  const packedClient = packed && (await thingClient(packed.address.port, coalescedDialect));
  const large = FRAMING ? await thingServer(coalescedLargeDialect) : undefined;
  large?.on("message", () => largeNoack.add());
  const largeClient = large && (await thingClient(large.address.port, coalescedLargeDialect));
  let tlsBytes = 0;
  const secure = await tlsServer((s) =>
    s.on("error", () => {}).on("data", (d) => (tlsBytes += d.length))
  );
  const socket = await tlsClient((secure.address() as { port: number }).port);
  let inFlight = 0;
  const names = CASES.map(([name]) => name);
  const rates: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpuRates: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const reliablyPaced = async (client: ThingClient, done: Completions) => {
    const rate = await paced(
      () => {
        inFlight++;
        const settle = () => (inFlight--, done.add());
        client.send(payload).then(settle, settle);
      },
      done,
      window,
      STREAM_MS,
    );
    while (inFlight > 0) await sleep(10);
    return rate;
  };
  const noackOf = (client: ThingClient, done: Completions) => async () =>
    size * await paced(
      () => void client.send(payload, { reliable: false }).catch(() => {}),
      done,
      window,
      STREAM_MS,
    );
  const cases: [string, (() => Promise<number>) | undefined][] = [
    ["clear", noackOf(unsealedClient, clear)],
    ["noack", noackOf(plainClient, noack)],
    ["ack", async () => size * await reliablyPaced(reliableClient, acked)],
    ["framedNoack", packedClient && noackOf(packedClient, framedNoack)],
    [
      "framedAck",
      packedClient && (async () => size * await reliablyPaced(packedClient, framedAcked)),
    ],
    ["largeNoack", largeClient && noackOf(largeClient, largeNoack)],
    [
      "largeAck",
      largeClient && (async () => size * await reliablyPaced(largeClient, largeAcked)),
    ],
    ["tls", () => tlsStream(socket, payload, () => tlsBytes)],
  ];
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, run] of cases) {
      const [rate, perCpu] = run ? await measured(run) : [Number.NaN, Number.NaN];
      await sleep(30);
      if (round === 0) continue;
      rates[name]!.push(rate);
      cpuRates[name]!.push(perCpu);
    }
  }
  await Promise.all([
    unsealedClient.close(),
    plainClient.close(),
    reliableClient.close(),
    packedClient?.close(),
    largeClient?.close(),
    tlsClose(socket),
  ]);
  await Promise.all([
    unsealed.close(),
    plain.close(),
    reliable.close(),
    packed?.close(),
    large?.close(),
  ]);
  secure.close();
  const medians = (of: Record<string, number[]>) =>
    Object.fromEntries(names.map((n) => [n, median(of[n]!)])) as Record<string, number>;
  return { wall: medians(rates), cpu: medians(cpuRates) };
}

/**
 * Runs one case of about STREAM_MS: its bytes per second, and its bytes per CPU second of this
 * process (both ends, every thread), which a loaded machine bends less than wall time.
 */
async function measured(run: () => Promise<number>): Promise<[number, number]> {
  const before = process.cpuUsage();
  const rate = await run();
  const used = process.cpuUsage(before);
  return [rate, (rate * STREAM_MS / 1000) / ((used.user + used.system) / 1e6)];
}

const ratio = (a: number, b: number) => Number.isNaN(a) ? "-" : (a / b).toFixed(2);
const rate = (bytesPerSecond: number) => Number.isNaN(bytesPerSecond) ? "-" : mb(bytesPerSecond);

async function handshakeTables() {
  const h = await handshakes();
  console.log("| handshakes/s | thing (UDP) | TLS 1.3 (TCP) | ratio |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const p of [1, 8]) {
    console.log(
      `| ${p === 1 ? "one at a time" : "8 in flight"} | ${fmt(h[`thing/${p}`]!)} | ${
        fmt(h[`tls/${p}`]!)
      } | ${ratio(h[`thing/${p}`]!, h[`tls/${p}`]!)} |`,
    );
  }
  const f = await firstByte();
  console.log("\n| connect-to-first-byte (median ms) | thing | TLS 1.3 | ratio |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| connect, 1 byte out, echo back | ${f.thing.toFixed(2)} | ${f.tls.toFixed(2)} | ${
      ratio(f.thing, f.tls)
    } |`,
  );
}

// The suites in CHI order and the code behind each ("node:crypto" for a tree before
// nativeAeadBackend, which this file may be copied into).
function suitesOffered(): string {
  const { nativeAeadBackend, nativeSuites, preferredSuites } = thingCrypto as typeof thingCrypto & {
    nativeAeadBackend?: (suite: string) => string | undefined;
  };
  return preferredSuites().map((suite) => {
    const native = nativeSuites().includes(suite);
    return `${suite} (${native ? nativeAeadBackend?.(suite) ?? "node:crypto" : "noble"})`;
  }).join(", ");
}

const began = performance.now();
console.log(
  `# thing_bench: ${detectRuntime()} ${process.versions.bun ?? process.versions.deno ?? ""}, ` +
    `udp binding ${defaultUdpBinding()}, suites offered [${suitesOffered()}], ` +
    `FRAMED packets ${FRAMING ? "yes" : "no"}\n`,
);
if (!process.argv.includes("--throughput")) await handshakeTables();
const results: [number, { wall: Record<string, number>; cpu: Record<string, number> }][] = [];
for (const size of [1024, 16 * 1024]) results.push([size, await throughput(size)]);
const sizes = results.map(([size]) => `${size / 1024} KiB`);
for (const kind of ["wall", "cpu"] as const) {
  const unit = kind === "wall" ? "MB/s" : "MB per CPU second (both ends, all threads)";
  console.log(`\n| throughput, ${unit} | ${sizes.map((s) => `${s} | ${s} / TLS`).join(" | ")} |`);
  console.log(`| --- |${" ---: | ---: |".repeat(sizes.length)}`);
  for (const [name, label] of CASES) {
    const cells = results.map(([, all]) => {
      const t = all[kind];
      return `${rate(t[name]!)} | ${name === "tls" ? "1.00" : ratio(t[name]!, t.tls!)}`;
    });
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
}
console.log(`\n(${((performance.now() - began) / 1000).toFixed(1)} s)`);
