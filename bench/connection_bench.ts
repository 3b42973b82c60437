/**
 * The Connection dialect on loopback UDP beside the same runtime's fastest raw UDP API, same run:
 *
 * 1. DATA_NOACK messages/s and MB/s with 1 KiB payloads, and raw datagrams of the same wire size
 *    (1,088 B), both with the same window of packets in flight;
 * 2. DATA_ACK messages/s (each `send()` resolved by its ACK), same window;
 * 3. DATA_ACK → ACK round trip (64 B payload, one at a time), median and p99, beside a raw UDP
 *    ping-pong of the same sizes (128 B out, 96 B back);
 * 4. the share of SHA-256 in the DATA_NOACK time per message (the wire format hashes each packet
 *    once to send and once to receive; both ends run in this process), measured in the same run;
 * 5. 10,000 idle sessions on one server with their keepalives (PING every second from a client
 *    in a child process): server heap per session.
 *
 * Run: `deno run -A --unstable-net --v8-flags=--expose-gc bench/connection_bench.ts` or
 * `bun bench/connection_bench.ts`. Takes about 30 s; `--no-idle` skips case 4.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { Driver } from "../core/driver.ts";
import { Endpoint } from "../core/endpoint.ts";
import { connect, listen } from "../core/node.ts";
import { defaultSha256 } from "../core/sha256.ts";
import { connection } from "../plugins/connection/mod.ts";
import { detectRuntime } from "../transports/_runtime.ts";
import { defaultUdpBinding, udp } from "../transports/udp/mod.ts";
import { Completions, paced } from "./_paced.ts";
import { rawName, rawSocket } from "./_raw_udp.ts";
import { formatCount as fmt, median } from "./_stats.ts";

const HOST = "127.0.0.1";
const RUN_MS = 300;
const RUNS = 5;
const WINDOW = 64;
const SESSIONS = 10_000;

const g = globalThis as unknown as {
  Bun?: { gc(force: boolean): void; version: string };
  gc?: () => void;
};

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function throughput() {
  const payload = new Uint8Array(1024).fill(7);
  const wire = new Uint8Array(64 + 1024).fill(7);
  const noack = new Completions();
  const acked = new Completions();
  const raw = new Completions();
  const server = await listen({ transport: udp(), port: 0, plugins: connection() });
  server.on("message", () => noack.add());
  const client = await connect({
    transport: udp(),
    port: server.address.port,
    plugins: connection(),
  });
  const sink = await rawSocket(() => raw.add());
  const source = await rawSocket(() => {});
  const cases: Array<[string, () => void, Completions]> = [
    ["raw", () => source.send(wire, sink.port), raw],
    ["noack", () => void client.send(payload, { reliable: false }).catch(() => {}), noack],
    ["ack", () => void client.send(payload).then(() => acked.add(), () => acked.add()), acked],
  ];
  let acksSent = 0;
  const ackCase = cases[2]!;
  const ackSend = ackCase[1];
  ackCase[1] = () => (acksSent++, ackSend());
  const rates = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (let run = 0; run <= RUNS; run++) {
    for (const [name, send, counter] of cases) {
      const rate = await paced(send, counter, WINDOW, RUN_MS);
      if (run > 0) rates.get(name)!.push(rate);
      await new Promise((r) => setTimeout(r, 30)); // let stragglers land
      // DATA_ACKs lost to a full socket buffer are resent after an RTO: let them finish so the
      // next case starts with nothing in flight.
      while (acked.n < acksSent) await new Promise((r) => setTimeout(r, 10));
    }
  }
  await client.close();
  await server.close();
  source.close();
  sink.close();
  return {
    raw: median(rates.get("raw")!),
    noack: median(rates.get("noack")!),
    ack: median(rates.get("ack")!),
    hash: hashMicros(),
  };
}

/** Microseconds per SHA-256 of what a 1 KiB packet's checksum covers (bytes 32..1,087). */
function hashMicros(): number {
  const hash = defaultSha256();
  const covered = new Uint8Array(1_056).fill(7);
  const out = new Uint8Array(32);
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const start = performance.now();
    for (let i = 0; i < 2_000; i++) hash.digestInto(covered, out, 0);
    batches.push(((performance.now() - start) * 1000) / 2_000);
  }
  return median(batches);
}

async function latency(rounds = 3_000) {
  const server = await listen({ transport: udp(), port: 0, plugins: connection() });
  const client = await connect({
    transport: udp(),
    port: server.address.port,
    plugins: connection(),
  });
  const payload = new Uint8Array(64).fill(1);
  const ours: number[] = [];
  for (let i = 0; i < rounds + 200; i++) {
    const start = performance.now();
    await client.send(payload);
    if (i >= 200) ours.push((performance.now() - start) * 1000);
  }
  await client.close();
  await server.close();
  const pong = new Uint8Array(96);
  const ping = new Uint8Array(128);
  let answered: (() => void) | undefined;
  const echo = await rawSocket((_b, port) => echo.send(pong, port));
  const pinger = await rawSocket(() => answered?.());
  const raw: number[] = [];
  for (let i = 0; i < rounds + 200; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      answered = resolve;
      pinger.send(ping, echo.port);
    });
    if (i >= 200) raw.push((performance.now() - start) * 1000);
  }
  echo.close();
  pinger.close();
  return { ours: [median(ours), pct(ours, 0.99)], raw: [median(raw), pct(raw, 0.99)] };
}

function collect(): number {
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
  return process.memoryUsage().heapUsed;
}

/** Server here, SESSIONS clients in a child process; heap per server session. */
async function idleSessions() {
  const server = await listen({ transport: udp(), port: 0, plugins: connection() });
  const before = collect();
  const args = g.Bun
    ? [new URL(import.meta.url).pathname]
    : ["run", "-A", "--unstable-net", new URL(import.meta.url).pathname];
  const child = spawn(process.execPath, [...args, "--idle-client", String(server.address.port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      if (output.includes("ready")) resolve();
    });
    child.on("close", () => reject(new Error(`idle client exited: ${output}`)));
  });
  const started = performance.now();
  await ready;
  const openedIn = performance.now() - started;
  await new Promise((r) => setTimeout(r, 3_000)); // three rounds of keepalives
  const open = server.endpoint.sessions.size;
  const after = collect();
  const pings = server.endpoint.stats.packetsIn;
  process.kill(child.pid!, "SIGKILL");
  await server.close();
  return { open, perSession: (after - before) / open, openedIn, pings, gc: !!(g.Bun || g.gc) };
}

async function idleClient(port: number) {
  // One process holds all 10,000 client sessions on one socket: PONGs it drops under that load
  // must not look like a dead server (no reconnect churn), nor a slow start like a failed connect.
  const endpoint = new Endpoint({
    role: "client",
    plugins: connection({ pongTimeout: 10_000 }),
    connectTimeout: 60_000,
  });
  const driver = new Driver(endpoint);
  const server = { hostname: HOST, port };
  driver.attach(await udp().connect(server, driver.handlers));
  // Small batches, spread out: their keepalives then stay spread over each second.
  for (let i = 0; i < SESSIONS; i += 100) {
    await Promise.all(Array.from({ length: 100 }, () => endpoint.connect(server)));
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write("ready\n");
}

if (process.argv.includes("--idle-client")) {
  await idleClient(Number(process.argv[process.argv.indexOf("--idle-client") + 1]));
} else {
  const runtime = detectRuntime();
  const version = g.Bun ? g.Bun.version : Deno.version.deno;
  console.log(
    `connection_bench on ${runtime} ${version}, udp binding '${defaultUdpBinding()}', raw API ${rawName}\n`,
  );
  const t = await throughput();
  const mb = (pps: number) => ((pps * 1024) / 1e6).toFixed(1);
  console.log("| case (1 KiB payload, window 64) | messages/s | MB/s | vs raw datagrams/s |");
  console.log("|---|---:|---:|---:|");
  console.log(`| raw ${rawName} (1,088 B datagrams) | ${fmt(t.raw)} | ${mb(t.raw)} | 1.00 |`);
  console.log(
    `| DATA_NOACK | ${fmt(t.noack)} | ${mb(t.noack)} | ${(t.noack / t.raw).toFixed(2)} |`,
  );
  console.log(
    `| DATA_ACK (resolved by ACK) | ${fmt(t.ack)} | ${mb(t.ack)} | ${(t.ack / t.raw).toFixed(2)} |`,
  );
  const perMessage = 1e6 / t.noack;
  const rawPerMessage = 1e6 / t.raw;
  console.log(
    `\nSHA-256 of 1,056 B (one 1 KiB packet's checksum): ${t.hash.toFixed(2)} µs; two per ` +
      `DATA_NOACK message = ${((200 * t.hash) / perMessage).toFixed(0)} % of its ` +
      `${perMessage.toFixed(1)} µs here (raw: ${rawPerMessage.toFixed(1)} µs); with nothing but ` +
      `the hashing on top of raw, DATA_NOACK would reach ` +
      `${(rawPerMessage / (rawPerMessage + 2 * t.hash)).toFixed(2)} of raw`,
  );
  const l = await latency();
  console.log("\n| round trip (64 B payload) | median µs | p99 µs | median vs raw |");
  console.log("|---|---:|---:|---:|");
  console.log(`| raw ${rawName} ping-pong | ${fmt(l.raw[0]!)} | ${fmt(l.raw[1]!)} | 1.00 |`);
  console.log(
    `| DATA_ACK → ACK | ${fmt(l.ours[0]!)} | ${fmt(l.ours[1]!)} | ${
      (l.ours[0]! / l.raw[0]!).toFixed(2)
    } |`,
  );
  if (process.argv.includes("--no-idle")) process.exit(0);
  const idle = await idleSessions();
  console.log(
    `\n${fmt(idle.open)} of ${fmt(SESSIONS)} idle sessions open after 3 s of keepalives ` +
      `(opened in ${fmt(idle.openedIn)} ms, ${fmt(idle.pings)} packets in): ` +
      `${fmt(idle.perSession)} B of server heap per open session${
        idle.gc ? "" : " (no gc(): rough)"
      }`,
  );
  process.exit(0);
}
