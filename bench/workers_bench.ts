/**
 * `serveWorkers()` with 1 worker against 2 workers on one shared port (`SO_REUSEPORT`), beside a
 * plain `listen()` server (no workers, the runtime's default binding), measured in the same run:
 *
 * 1. handshakes/s of the Thing dialect (connect, then a graceful close), 16 in flight;
 * 2. acknowledged 1 KiB messages/s of the Connection dialect (DATA_ACK, each resolved on its ACK;
 *    the servers do not echo), 8 clients with 32 in flight each.
 *
 * The load generator runs in processes of its own (`LOADERS`, default 2: this file with
 * `--load`), never on the servers' threads, but it shares the machine's cores with them: each
 * figure comes with the CPU time per operation of the server process (all its threads) and of the
 * load generators together. The load generator is as cheap as a client can honestly be: native
 * crypto (the runtime's `node:crypto`), and each in-flight lane keeps one socket and one client
 * endpoint and starts every handshake as a new session (a new client ID) on it, so it does not
 * pay for a socket and a plugin set per handshake as a one-off client would. It still does every
 * step of the handshake a real client does, verifying the server's signature included. Rounds of
 * the three servers are interleaved; figures are medians of ROUNDS. Transport: udp on Bun, tcp on
 * Deno (Deno has no SO_REUSEPORT for UDP). Run: `bun bench/workers_bench.ts` or
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
import {
  ed25519KeyPair,
  ed25519Sign,
  ed25519Verify,
  x25519KeyPair,
  x25519Shared,
} from "../plugins/thing/crypto/mod.ts";
import { thing } from "../plugins/thing/mod.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { udp } from "../transports/udp/mod.ts";
import { serveWorkers, type WorkerPool } from "../workers/mod.ts";
import { formatCount as fmt, median } from "./_stats.ts";

const HOST = "127.0.0.1";
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const LOADERS = Number(process.env.LOADERS ?? 2);
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
  const result = mode === "handshakes"
    ? await handshakes(port, Math.max(1, Math.round(HANDSHAKES_IN_FLIGHT / LOADERS)))
    : await messages(port, Math.max(1, Math.round(MESSAGE_CLIENTS / LOADERS)));
  console.log(JSON.stringify(result));
  process.exit(0);
}

async function handshakes(port: number, lanes: number): Promise<LoadResult> {
  const plugins = () => thing({ serverKey: identity.publicKey }) as PluginList;
  const server = { hostname: HOST, port };
  // One socket and client endpoint per lane (the kernel spreads lanes over the workers by source
  // port); their first handshakes are the warm-up, so code loading is not measured.
  const clients = await Promise.all(
    Array.from(
      { length: lanes },
      () => connect({ transport: transport(), hostname: HOST, port, plugins: plugins() }),
    ),
  );
  await Promise.all(clients.map((client) => client.session.close()));
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + RUN_MS;
  await Promise.all(clients.map(async (client) => {
    while (performance.now() < end) {
      const session = await client.endpoint.connect(server);
      ops++;
      await session.close();
    }
  }));
  const result = finish(ops, started, cpu);
  await Promise.all(clients.map((client) => client.close()));
  return result;
}

async function messages(port: number, count: number): Promise<LoadResult> {
  const clients: ThingClient[] = [];
  for (let i = 0; i < count; i++) {
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

/** Runs one load generator process; resolves with its result. */
function runLoader(mode: Mode, port: number): Promise<LoadResult> {
  const self = new URL(import.meta.url).pathname;
  const args = g.Bun ? [self] : ["run", "-A", "--unstable-net", self];
  const child = spawn(process.execPath, [...args, "--load", mode, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => output += chunk);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_MS + 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = output.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        return reject(new Error(`load generator failed (${code}): ${output}`));
      }
      resolve(JSON.parse(line) as LoadResult);
    });
  });
}

/**
 * Runs LOADERS load generators at once; resolves with their summed operations and CPU, the
 * longest run, and this process's CPU (the servers' threads) over the same time.
 */
async function runLoad(mode: Mode, port: number): Promise<LoadResult & { serverCpu: number }> {
  const cpu = process.cpuUsage();
  const results = await Promise.all(Array.from({ length: LOADERS }, () => runLoader(mode, port)));
  const used = process.cpuUsage(cpu);
  return {
    ops: results.reduce((n, r) => n + r.ops, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
    cpu: results.reduce((n, r) => n + r.cpu, 0),
    serverCpu: used.user + used.system,
  };
}

/** CPU µs of `op`, the median of 5 batches of 500 calls. */
function cpuPerCall(op: () => unknown): number {
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < 500; i++) op();
    const used = process.cpuUsage(cpu);
    batches.push((used.user + used.system) / 500);
  }
  return median(batches);
}

/**
 * The public-key operations of one handshake on each side, native, in this process: the floor
 * under either side's CPU per handshake (the hashes, AEADs and packets come on top).
 */
function cryptoFloor(): { server: number; client: number; verify: number } {
  const random = () => crypto.getRandomValues(new Uint8Array(32));
  const peer = x25519KeyPair(random()).publicKey;
  const message = random();
  const signature = ed25519Sign(identity.privateKey, message);
  const keyPair = cpuPerCall(() => x25519KeyPair(random()));
  const shared = cpuPerCall(() => x25519Shared(x25519KeyPair(random()).privateKey, peer)) -
    keyPair;
  const sign = cpuPerCall(() => ed25519Sign(identity.privateKey, message));
  const verify = cpuPerCall(() => ed25519Verify(identity.publicKey, message, signature));
  return { server: keyPair + shared + sign, client: keyPair + shared + verify, verify };
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
    `${runtime}, ${kind}, ${ROUNDS} rounds of ${RUN_MS} ms, ${LOADERS} load generator process(es) ` +
      "(native crypto, one socket per lane, the server's signature verified)",
  );
  const floor = cryptoFloor();
  console.log(
    `public-key crypto per handshake (native, CPU µs): server ${floor.server.toFixed(0)} ` +
      `(X25519 key pair + shared secret + Ed25519 sign), client ${floor.client.toFixed(0)} ` +
      `(X25519 key pair + shared secret + Ed25519 verify, ${floor.verify.toFixed(0)} of it)`,
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
      // The CPU budget (docs/SCALING.md): 1 worker uses at most one core, and the worker and the
      // load share the two; 2 workers and the load share the two cores.
      const s1 = median(rows[1]!.server);
      const s2 = median(rows[2]!.server);
      const l2 = median(rows[2]!.load);
      const best2 = 2e6 / (s2 + l2);
      const best1 = Math.min(1e6 / s1, 2e6 / (s1 + median(rows[1]!.load)));
      const ceiling = (load: number) => 2e6 / (s2 + load) / best1;
      console.log(
        `CPU budget: 1 worker can do at most ${fmt(best1)}/s, 2 workers sharing 2 cores with the ` +
          `load ${fmt(best2)}/s: a ceiling of ${ceiling(l2).toFixed(2)}x on this machine` +
          (mode === "handshakes"
            ? `; ${ceiling(l2 - floor.verify).toFixed(2)}x if the load generator skipped ` +
              `verifying the server's signature (${floor.verify.toFixed(0)} µs). 1.5x needs a ` +
              `load of at most 4/3 x ${s1.toFixed(0)} - ${s2.toFixed(0)} = ` +
              `${(4 / 3 * s1 - s2).toFixed(0)} µs per handshake; a client's X25519 work alone ` +
              `is ${(floor.client - floor.verify).toFixed(0)} µs`
            : ""),
      );
    }
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

const at = process.argv.indexOf("--load");
if (at >= 0) await load(process.argv[at + 1] as Mode, Number(process.argv[at + 2]));
else await main();
