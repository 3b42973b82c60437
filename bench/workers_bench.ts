/**
 * `serveWorkers()` with 1 worker against 2 workers on one shared port (`SO_REUSEPORT`), beside a
 * plain `listen()` server (no workers, the runtime's default binding), measured in the same run:
 *
 * 1. handshakes/s of the Thing dialect (connect, then a graceful close), 16 in flight;
 * 2. acknowledged 1 KiB messages/s of the Connection dialect (DATA_ACK, each resolved on its ACK;
 *    the servers do not echo), 8 clients with 32 in flight each.
 *
 * The load generator runs in its own process (this file with `--load`), so that it does not share
 * a thread with the servers, but it shares the machine's cores with them: each figure comes with
 * the CPU time per operation of the server process (all its threads) and of the load generator.
 * Rounds of the three servers are interleaved; figures are medians of ROUNDS. Transport: udp on
 * Bun, tcp on Deno (Deno has no SO_REUSEPORT for UDP). Run: `bun bench/workers_bench.ts` or
 * `deno run -A --unstable-net bench/workers_bench.ts`. About 40 s.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { connect, listen, type ThingClient, type ThingNode } from "../core/node.ts";
import type { PluginList } from "../core/plugin.ts";
import type { Transport } from "../core/transport.ts";
import { connection } from "../plugins/connection/mod.ts";
import { ed25519KeyPair } from "../plugins/thing/crypto/mod.ts";
import { thing } from "../plugins/thing/mod.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { udp } from "../transports/udp/mod.ts";
import { serveWorkers, type WorkerPool } from "../workers/mod.ts";
import { formatCount as fmt, median } from "./_stats.ts";

const HOST = "127.0.0.1";
const ROUNDS = 5;
const RUN_MS = 1_500;
const HANDSHAKES_IN_FLIGHT = 16;
const MESSAGE_CLIENTS = 8;
const MESSAGES_IN_FLIGHT = 32;
const MESSAGE = new Uint8Array(1024).fill(7);
const g = globalThis as { Bun?: unknown; Deno?: unknown };
const kind: "udp" | "tcp" = g.Deno ? "tcp" : "udp";
const identity = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const transport = (): Transport => kind === "tcp" ? tcp() : udp();

type Mode = "handshakes" | "messages";

interface LoadResult {
  ops: number;
  seconds: number;
  /** The load generator's CPU time, in µs. */
  cpu: number;
}

/** Load generator: runs `mode` against `port` for RUN_MS and prints one JSON line. */
async function load(mode: Mode, port: number): Promise<void> {
  const result = mode === "handshakes" ? await handshakes(port) : await messages(port);
  console.log(JSON.stringify(result));
  process.exit(0);
}

async function handshakes(port: number): Promise<LoadResult> {
  const plugins = () => thing({ serverKey: identity.publicKey }) as PluginList;
  // Warm-up: one handshake, so code loading is not measured.
  await (await connect({ transport: transport(), hostname: HOST, port, plugins: plugins() }))
    .close();
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + RUN_MS;
  await Promise.all(Array.from({ length: HANDSHAKES_IN_FLIGHT }, async () => {
    while (performance.now() < end) {
      const client = await connect({
        transport: transport(),
        hostname: HOST,
        port,
        plugins: plugins(),
      });
      ops++;
      await client.close();
    }
  }));
  return finish(ops, started, cpu);
}

async function messages(port: number): Promise<LoadResult> {
  const clients: ThingClient[] = [];
  for (let i = 0; i < MESSAGE_CLIENTS; i++) {
    clients.push(
      await connect({ transport: transport(), hostname: HOST, port, plugins: connection() }),
    );
  }
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + RUN_MS;
  await Promise.all(
    clients.flatMap((client) =>
      Array.from({ length: MESSAGES_IN_FLIGHT }, async () => {
        while (performance.now() < end) {
          await client.send(MESSAGE, { reliable: true });
          ops++;
        }
      })
    ),
  );
  const result = finish(ops, started, cpu);
  await Promise.all(clients.map((client) => client.close()));
  return result;
}

function finish(ops: number, started: number, cpu: NodeJS.CpuUsage): LoadResult {
  const used = process.cpuUsage(cpu);
  return { ops, seconds: (performance.now() - started) / 1000, cpu: used.user + used.system };
}

/** Runs the load generator in a child process; resolves with its result and this process's CPU. */
function runLoad(mode: Mode, port: number): Promise<LoadResult & { serverCpu: number }> {
  const self = new URL(import.meta.url).pathname;
  const args = g.Bun ? [self] : ["run", "-A", "--unstable-net", self];
  const child = spawn(process.execPath, [...args, "--load", mode, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => output += chunk);
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_MS + 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const used = process.cpuUsage(cpu);
      const line = output.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        return reject(new Error(`load generator failed (${code}): ${output}`));
      }
      resolve({ ...JSON.parse(line) as LoadResult, serverCpu: used.user + used.system });
    });
  });
}

interface Server {
  name: string;
  port(mode: Mode): number;
  close(): Promise<void>;
}

async function plainServer(): Promise<Server> {
  const defaults = kind === "tcp" ? tcp() : udp();
  const hand = await listen({
    transport: defaults,
    hostname: HOST,
    port: 0,
    plugins: thing({ identity }),
  });
  const echo: ThingNode = await listen({
    transport: kind === "tcp" ? tcp() : udp(),
    hostname: HOST,
    port: 0,
    plugins: connection(),
  });
  return {
    name: "listen() (no workers)",
    port: (mode) => mode === "handshakes" ? hand.address.port : echo.address.port,
    close: async () => void await Promise.all([hand.close(), echo.close()]),
  };
}

async function poolServer(workers: number): Promise<Server> {
  const module = new URL("../tests/workers/_echo_worker.ts", import.meta.url);
  const start = (data: unknown) =>
    serveWorkers({ module, workers, transport: kind, hostname: HOST, data });
  const hand: WorkerPool = await start({ dialect: "thing", identity });
  const echo: WorkerPool = await start({ dialect: "connection", echo: false });
  return {
    name: `serveWorkers() ${workers} worker${workers === 1 ? "" : "s"}`,
    port: (mode) => mode === "handshakes" ? hand.address.port : echo.address.port,
    close: async () => void await Promise.all([hand.close(), echo.close()]),
  };
}

async function main(): Promise<void> {
  const runtime = g.Bun ? `Bun ${process.versions.bun}` : `Deno ${process.versions.deno}`;
  console.log(
    `${runtime}, ${kind}, ${ROUNDS} rounds of ${RUN_MS} ms, load generator in its own process`,
  );
  const servers = [await plainServer(), await poolServer(1), await poolServer(2)];
  try {
    for (const mode of ["handshakes", "messages"] as const) {
      const rows = servers.map(() => ({
        rate: [] as number[],
        server: [] as number[],
        load: [] as number[],
      }));
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, server] of servers.entries()) {
          const result = await runLoad(mode, server.port(mode));
          rows[i]!.rate.push(result.ops / result.seconds);
          rows[i]!.server.push(result.serverCpu / result.ops);
          rows[i]!.load.push(result.cpu / result.ops);
        }
      }
      const base = median(rows[1]!.rate);
      console.log(
        `\n${mode === "handshakes" ? "Thing handshakes/s" : "acknowledged 1 KiB msgs/s"}:`,
      );
      console.log("| server | ops/s | vs 1 worker | server CPU µs/op | load CPU µs/op | runs |");
      console.log("| --- | ---: | ---: | ---: | ---: | --- |");
      for (const [i, server] of servers.entries()) {
        const row = rows[i]!;
        console.log(
          `| ${server.name} | ${fmt(median(row.rate))} | ${
            (median(row.rate) / base).toFixed(2)
          } | ${median(row.server).toFixed(0)} | ${median(row.load).toFixed(0)} | ${
            row.rate.map(fmt).join(", ")
          } |`,
        );
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

const at = process.argv.indexOf("--load");
if (at >= 0) await load(process.argv[at + 1] as Mode, Number(process.argv[at + 2]));
else await main();
