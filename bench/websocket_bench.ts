/**
 * Loopback throughput of the WebSocket transport beside the runtime's raw WebSocket server
 * (`Deno.serve` + `Deno.upgradeWebSocket`, or `Bun.serve` with `websocket` handlers) and the
 * standard `WebSocket` client, same run, interleaved rounds. Same method as
 * `transport_bench.ts`: 1 KiB and 16 KiB packets client → server, a fixed window in flight,
 * median of 5 rounds of 150 ms after a warm-up.
 *
 * Run: `deno run -A bench/websocket_bench.ts` or `bun bench/websocket_bench.ts`.
 *
 * @module
 */

import { detectRuntime } from "../transports/_runtime.ts";
import { websocket } from "../transports/websocket/mod.ts";
import { type MakePipe, measure, viaTransport } from "./_pipe_meter.ts";
import { formatCount as fmt, formatMBps } from "./_stats.ts";

const HOST = "127.0.0.1";
const RUN_MS = 150;
const RUNS = 5;

/** A standard `WebSocket` client to `port`, open. */
async function rawClient(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${HOST}:${port}/`);
  ws.binaryType = "arraybuffer";
  await new Promise((resolve) => (ws.onopen = resolve));
  return ws;
}

async function closeClient(ws: WebSocket): Promise<void> {
  const closed = new Promise((resolve) => (ws.onclose = resolve));
  ws.close();
  await closed;
}

const rawDeno: MakePipe = async (_size, received) => {
  const server = Deno.serve({ hostname: HOST, port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = () => received(1);
    return response;
  });
  const ws = await rawClient(server.addr.port);
  return {
    send: (bytes) => ws.send(bytes as Uint8Array<ArrayBuffer>),
    close: async () => {
      await closeClient(ws);
      await server.shutdown();
    },
  };
};

interface BunServeApi {
  serve(options: object): { port: number; stop(all: boolean): Promise<void> };
}

const rawBun: MakePipe = async (_size, received) => {
  const server = (globalThis as unknown as { Bun: BunServeApi }).Bun.serve({
    hostname: HOST,
    port: 0,
    fetch: (request: Request, srv: { upgrade(r: Request): boolean }) =>
      srv.upgrade(request) ? undefined : new Response("upgrade", { status: 400 }),
    websocket: { message: () => received(1) },
  });
  const ws = await rawClient(server.port);
  return {
    send: (bytes) => ws.send(bytes as Uint8Array<ArrayBuffer>),
    close: async () => {
      await closeClient(ws);
      await server.stop(true);
    },
  };
};

const runtime = detectRuntime();
if (runtime === "node") {
  throw new TypeError("Cannot run the WebSocket bench on Node: use Deno or Bun");
}
const [rawName, raw] = runtime === "deno"
  ? ["Deno.upgradeWebSocket", rawDeno]
  : ["Bun.serve websocket", rawBun];
const version = runtime === "deno"
  ? Deno.version.deno
  : (globalThis as { Bun?: { version: string } }).Bun?.version;
console.log(
  `websocket_bench on ${runtime} ${version}: median of ${RUNS} interleaved runs of ${RUN_MS} ms, loopback\n`,
);
console.log("| transport | size | packets/s | MB/s | raw API | raw packets/s | raw MB/s | ratio |");
console.log("|---|---:|---:|---:|---|---:|---:|---:|");
const mb = (pps: number, size: number) => formatMBps(pps * size);
const ours = viaTransport(websocket(), HOST);
for (const size of [1024, 16 * 1024]) {
  const rates = await measure(ours, raw, size, { runMs: RUN_MS, runs: RUNS, lossy: false });
  const base = rates.base!;
  console.log(
    `| websocket | ${size / 1024} KiB | ${fmt(rates.ours)} | ${
      mb(rates.ours, size)
    } | ${rawName} | ${fmt(base)} | ${mb(base, size)} | ${(rates.ours / base).toFixed(2)} |`,
  );
}
