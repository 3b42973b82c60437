/**
 * Connect-to-first-byte of a resumed Thing session (docs/PROTOCOL.md §3.15: CRH → SRH + SCC →
 * CCC, open after one round trip) beside a full Thing handshake and beside TLS 1.3 from the same
 * runtime's `node:tls`, full and resumed (session reuse with the ticket of the previous
 * connection), all in one run with the four cases interleaved. Each sample: a fresh client (UDP
 * socket or TCP connection), connect, send 1 byte, receive its echo; then a graceful close, not
 * timed. Figures are medians of `runs` samples after 10 warm-ups. Every resumed sample is checked
 * to have resumed (Thing: the `thing:resumption` event; TLS: `isSessionReused()`).
 *
 * On bare loopback a round trip costs tens of microseconds, so CPU decides; with `--rtt MS` every
 * client talks through a relay (bench/_delay_relay.ts, UDP for Thing, TCP for TLS) that holds each
 * datagram or chunk MS / 2 in each direction, so round trips count as on a real network.
 *
 * TLS uses the ECDSA P-256 test certificate in bench/fixtures/ (see thing_bench.ts), pinned to
 * TLSv1.3.
 *
 *     deno run -A --unstable-net bench/resumption_bench.ts [runs] [--rtt MS]
 *     bun bench/resumption_bench.ts [runs] [--rtt MS]
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import process from "node:process";
import * as tls from "node:tls";
import { connect, listen } from "../core/node.ts";
import type { Plugin } from "../core/plugin.ts";
import { ed25519KeyPair } from "../plugins/thing/crypto/mod.ts";
import { MemoryTicketStore, resumptionEvent, thing } from "../plugins/thing/mod.ts";
import { detectRuntime } from "../transports/_runtime.ts";
import { udp } from "../transports/udp/mod.ts";
import { type Relay, tcpRelay, udpRelay } from "./_delay_relay.ts";
import { median } from "./_stats.ts";

const HOST = "127.0.0.1";
const args = process.argv.slice(2);
const rttAt = args.indexOf("--rtt");
const RTT = rttAt >= 0 ? Number(args[rttAt + 1]) : 0;
const RUNS = Number(args.find((a, i) => !a.startsWith("--") && i !== rttAt + 1) ?? 200);
const WARMUP = 10;
const identity = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));
const tlsKey = fixture("tls_bench_key.pem");
const tlsCert = fixture("tls_bench_cert.pem");
const ONE = new Uint8Array([42]);

/** A plugin counting the client's resumed handshakes. */
function resumedCounter(): Plugin & { resumed: number } {
  const counter = {
    name: "bench:resumed",
    resumed: 0,
    setup: (api: Parameters<Plugin["setup"]>[0]) =>
      void api.on(resumptionEvent, (event) => void (event.resumed && counter.resumed++)),
  };
  return counter;
}

const server = await listen({
  transport: udp(),
  hostname: HOST,
  port: 0,
  plugins: thing({ identity }),
});
server.on("message", ({ session, data }) => void session.send(data, { reliable: false }));
const tickets = new MemoryTicketStore();
const counter = resumedCounter();
const relays: Relay[] = [];
/** The port clients use for `port`: itself, or a relay's with `--rtt`. */
async function via(port: number, relay: typeof udpRelay): Promise<number> {
  if (RTT === 0) return port;
  const r = await relay(port, RTT / 2);
  relays.push(r);
  return r.port;
}
const thingPort = await via(server.address.port, udpRelay);

async function thingSample(resume: boolean): Promise<number> {
  const start = performance.now();
  const client = await connect({
    transport: udp(),
    hostname: HOST,
    port: thingPort,
    plugins: resume
      ? [...thing({ serverKey: identity.publicKey, tickets }), counter]
      : thing({ serverKey: identity.publicKey }),
  });
  const echoed = new Promise((resolve) => client.on("message", resolve));
  await client.send(ONE, { reliable: false });
  await echoed;
  const elapsed = performance.now() - start;
  await client.close();
  return elapsed;
}

const secure = tls.createServer(
  { key: tlsKey, cert: tlsCert, minVersion: "TLSv1.3", maxVersion: "TLSv1.3" },
  (socket) => socket.on("error", () => {}).on("data", (d) => socket.write(d)),
);
secure.listen(0, HOST);
await once(secure, "listening");
const tlsPort = await via((secure.address() as { port: number }).port, tcpRelay);
let tlsSession: Buffer | undefined;
let tlsReused = 0;

async function tlsSample(resume: boolean): Promise<number> {
  const start = performance.now();
  const socket = tls.connect({
    host: HOST,
    port: tlsPort,
    ca: tlsCert,
    servername: "localhost",
    ...(resume && tlsSession ? { session: tlsSession } : {}),
  });
  // TLS 1.3 tickets arrive after the handshake; keep the newest for the next resumed sample.
  socket.on("session", (session: Buffer) => void (tlsSession = session));
  await once(socket, "secureConnect");
  socket.write(ONE);
  await once(socket, "data");
  const elapsed = performance.now() - start;
  if (resume && socket.isSessionReused()) tlsReused++;
  const closed = once(socket, "close");
  socket.end();
  await closed;
  return elapsed;
}

const cases = {
  "thing, full handshake": () => thingSample(false),
  "thing, resumed": () => thingSample(true),
  "TLS 1.3, full handshake": () => tlsSample(false),
  "TLS 1.3, resumed": () => tlsSample(true),
} as const;
type Case = keyof typeof cases;
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, [] as number[]])) as Record<
  Case,
  number[]
>;
await thingSample(false);
await tlsSample(false);
// The warm-up connects of each resumed case set up its first ticket.
await thingSample(true);
await tlsSample(true);
const began = performance.now();
for (let i = 0; i < RUNS + WARMUP; i++) {
  if (i === WARMUP) counter.resumed = tlsReused = 0;
  for (const [name, sample] of Object.entries(cases) as [Case, () => Promise<number>][]) {
    const ms = await sample();
    if (i >= WARMUP) samples[name].push(ms);
  }
}
for (const relay of relays) await relay.close();
await server.close();
secure.close();

const m = (name: Case) => median(samples[name]);
const runtime = `${detectRuntime()} ${process.versions.bun ?? process.versions.deno ?? ""}`;
console.log(`runtime: ${runtime}; ${RTT > 0 ? `round trip ${RTT} ms (relay)` : "bare loopback"}`);
console.log(
  `resumed: thing ${counter.resumed}/${RUNS}, TLS ${tlsReused}/${RUNS} (isSessionReused); ${RUNS} samples each`,
);
console.log("\n| connect → first echoed byte | median ms | vs thing full | vs TLS resumed |");
console.log("| --- | ---: | ---: | ---: |");
for (const name of Object.keys(cases) as Case[]) {
  console.log(
    `| ${name} | ${m(name).toFixed(3)} | ${(m(name) / m("thing, full handshake")).toFixed(2)} | ${
      (m(name) / m("TLS 1.3, resumed")).toFixed(2)
    } |`,
  );
}
console.log(`\n(${((performance.now() - began) / 1000).toFixed(1)} s)`);
