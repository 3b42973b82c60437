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

interface Pipe {
  send(bytes: Uint8Array): void;
  close(): Promise<void>;
}
type MakePipe = (received: (packets: number) => void) => Promise<Pipe>;

const HOST = "127.0.0.1";
const RUN_MS = 150;
const RUNS = 5;

const viaTransport: MakePipe = async (received) => {
  const transport = websocket();
  const server = await transport.listen({ hostname: HOST, port: 0 }, { packet: () => received(1) });
  const client = await transport.connect(server.localAddress, { packet() {} });
  return {
    send: (bytes) => client.send(bytes, server.localAddress),
    close: () => Promise.all([client.close(), server.close()]).then(() => {}),
  };
};

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

const rawDeno: MakePipe = async (received) => {
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

const rawBun: MakePipe = async (received) => {
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

/** A pipe plus the window bookkeeping that paces it (as in `transport_bench.ts`). */
async function meter(make: MakePipe, size: number) {
  const window = Math.max(4, Math.floor((128 * 1024) / (size + 1024)));
  let received = 0;
  let sent = 0;
  let wake: (() => void) | undefined;
  const pipe = await make((n) => {
    received += n;
    if (wake && sent - received <= window / 2) wake();
  });
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint16(52, size - 64);
  const run = async (): Promise<number> => {
    const start = performance.now();
    const first = received;
    while (performance.now() - start < RUN_MS) {
      while (sent - received < window) {
        pipe.send(bytes);
        sent++;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20);
        wake = () => (clearTimeout(timer), resolve());
      });
      wake = undefined;
    }
    return ((received - first) * 1000) / (performance.now() - start);
  };
  return { run, close: () => pipe.close() };
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(raw: MakePipe, size: number) {
  const ours = await meter(viaTransport, size);
  const base = await meter(raw, size);
  const oursRates: number[] = [];
  const baseRates: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const a = await ours.run();
    const b = await base.run();
    if (i === 0) continue;
    oursRates.push(a);
    baseRates.push(b);
  }
  await Promise.all([ours.close(), base.close()]);
  return { ours: median(oursRates), base: median(baseRates) };
}

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
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mb = (pps: number, size: number) => ((pps * size) / 1e6).toFixed(1);
for (const size of [1024, 16 * 1024]) {
  const { ours, base } = await measure(raw, size);
  console.log(
    `| websocket | ${size / 1024} KiB | ${fmt(ours)} | ${mb(ours, size)} | ${rawName} | ${
      fmt(base)
    } | ${mb(base, size)} | ${(ours / base).toFixed(2)} |`,
  );
}
