/**
 * The Connection data plugin under loss and with coalescing (issues 18 and 19), one tree against
 * another in the same run: each case runs in its own child process, built from the modules of
 * the tree given with `--tree` (this one, or e.g. /work/wt/base for the tree before the work),
 * and the rounds of every variant are interleaved.
 *
 * Cases (one client and one server in the child, UDP on 127.0.0.1):
 * - `loss`: 1 KiB acknowledged messages (64 in flight) through `thing relay --delay 10` (20 ms
 *   RTT) at `--loss` %, for 3 s: acknowledged msgs/s, and the p50/p99 delivery latency (send to
 *   the server's `message` event; same process, same clock); at 20 % loss with 10 ms jitter,
 *   the seconds 2,000 messages take, each delivered exactly once (counted at the server).
 * - `small`: 100-byte unacknowledged messages/s (64 in flight, counted at the server) beside raw
 *   UDP sending one 100-byte datagram each, with the same window.
 * - `rtt`: one acknowledged 64-byte message at a time, round trip median, beside a raw UDP
 *   ping-pong of the same sizes; and the CPU time per round trip of each (this process, both ends).
 *
 * Variants: `seed` (`framed: false`, or any option-less tree), `framed` (coalescing, the default
 * `flush: "tick"`), `immediate` (`flush: "immediate"`: one message per packet, no coalescing).
 *
 * Run: `deno run -A --unstable-net bench/connection_loss_bench.ts --against /work/wt/base [--rounds 3]`, or
 * `bun bench/connection_loss_bench.ts --against /work/wt/base`. `--framed-against TREE` adds a
 * `before (framed)` row: that tree's own default, for a tree that already frames. `--only rtt` runs
 * the round-trip case alone; `--warm-up N` runs N round trips (default 200) before the measured
 * ones, to measure code the JIT has settled; `--keepalive MS` makes the rtt case's sessions send
 * their keepalive PING every MS ms and waits 40 × MS ms after the warm-up, so that the measured round
 * trips run in a session whose keepalives had time to shape its ACKs (a tree whose ACKs keep a gap
 * per PING lists 32 ranges by then).
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { arg, childResult } from "./_child.ts";
import { Completions, paced } from "./_paced.ts";
import { rawSocket } from "./_raw_udp.ts";
import { median } from "./_stats.ts";

const HOST = "127.0.0.1";
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const bun = "Bun" in globalThis;

interface Result {
  rate?: number;
  p50?: number;
  p99?: number;
  seconds?: number;
  exactlyOnce?: boolean;
  raw?: number;
  /** µs of CPU (this process: both ends, every thread) per round trip: ours, and raw UDP's. */
  cpu?: number;
  rawCpu?: number;
  retransmits?: number;
}

/** Runs one case in this process with the modules of `tree`, and prints its result as JSON. */
async function runCase(tree: string, name: string, variant: string): Promise<Result> {
  const { connect, listen } = await import(`${tree}/core/node.ts`);
  const { connection } = await import(`${tree}/plugins/connection/mod.ts`);
  const { udp } = await import(`${tree}/transports/udp/mod.ts`);
  const data = variant === "seed" ? (tree === here ? { framed: false } : {}) : variant ===
      "immediate"
    ? { flush: "immediate" }
    : {};
  const fast = {
    maxRetransmits: 40,
    pongTimeout: 60_000,
    timeout: 120_000,
    ...(KEEPALIVE ? { pingInterval: KEEPALIVE } : {}),
  };
  const server = await listen({
    transport: udp(),
    hostname: HOST,
    port: 0,
    plugins: connection({ ...fast, ...data }),
  });
  let port = server.address.port;
  let relay: ReturnType<typeof spawn> | undefined;
  if (name === "loss") {
    const loss = Number(arg("--loss"));
    const args = ["relay", "0", `${HOST}:${port}`, "--delay", "10", "--loss", `${loss}%`];
    if (loss >= 20) args.push("--jitter", "10");
    args.push("--seed", "5", "--json");
    const runner = bun ? [`${here}/cli/main.ts`] : ["run", "-A", `${here}/cli/main.ts`];
    relay = spawn(process.execPath, [...runner, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    port = await new Promise<number>((resolve) => {
      let out = "";
      relay!.stdout!.on("data", (chunk) => {
        out += chunk;
        const match = /"listen":"[^"]*:(\d+)"/.exec(out);
        if (match) resolve(Number(match[1]));
      });
    });
  }
  const client = await connect({
    transport: udp(),
    hostname: HOST,
    port,
    plugins: connection({ ...fast, ...data }),
  });
  let retransmits = 0;
  client.on("retransmit", () => retransmits++);
  try {
    if (name === "loss") {
      const result = Number(arg("--loss")) >= 20
        ? await exactlyOnce(client, server, 2_000)
        : await lossy(client, server);
      return { ...result, retransmits };
    }
    if (name === "small") return { rate: await small(client, server), raw: await rawSmall() };
    return { ...await roundTrip(client), retransmits };
  } finally {
    await client.close();
    await server.close();
    relay?.kill("SIGINT");
  }
}

type Node = {
  send(d: Uint8Array, o?: object): Promise<void>;
  on(n: string, f: (e: { data: Uint8Array }) => void): void;
};

/** 1 KiB acknowledged, 64 in flight, for 3 s: msgs/s and delivery latency percentiles. */
function lossy(client: Node, server: Node): Promise<Result> {
  const sentAt: number[] = [];
  const latencies: number[] = [];
  server.on("message", ({ data }) => {
    const id = new DataView(data.buffer, data.byteOffset).getUint32(0);
    latencies.push(performance.now() - sentAt[id]!);
  });
  return new Promise((resolve) => {
    const start = performance.now();
    let sent = 0;
    let acked = 0;
    let inFlight = 0;
    const pump = () => {
      while (inFlight < 64 && performance.now() - start < 3_000) {
        const payload = new Uint8Array(1024);
        new DataView(payload.buffer).setUint32(0, sent);
        sentAt[sent++] = performance.now();
        inFlight++;
        client.send(payload).then(() => {
          inFlight--;
          acked++;
          if (performance.now() - start < 3_000) pump();
          else if (inFlight === 0) done();
        }, () => inFlight--);
      }
    };
    const done = () => {
      const sorted = [...latencies].sort((a, b) => a - b);
      resolve({
        rate: (acked * 1000) / (performance.now() - start),
        p50: sorted[Math.floor(sorted.length / 2)],
        p99: sorted[Math.floor(sorted.length * 0.99)],
      });
    };
    pump();
  });
}

/** `count` 1 KiB acknowledged messages, 64 in flight: seconds, and each delivered once. */
async function exactlyOnce(client: Node, server: Node, count: number): Promise<Result> {
  const seen = new Uint16Array(count);
  server.on(
    "message",
    ({ data }) => seen[new DataView(data.buffer, data.byteOffset).getUint32(0)]!++,
  );
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const payload = new Uint8Array(1024);
      new DataView(payload.buffer).setUint32(0, next++);
      await client.send(payload).catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return { seconds: (performance.now() - start) / 1000, exactlyOnce: seen.every((n) => n === 1) };
}

/** 100-byte unacknowledged messages, 64 unconfirmed at most, for 1 s: delivered per second. */
async function small(client: Node, server: Node): Promise<number> {
  const delivered = new Completions();
  server.on("message", () => delivered.add());
  const payload = new Uint8Array(100);
  const send = () => void client.send(payload, { reliable: false }).catch(() => {});
  await paced(send, delivered, 64, 200);
  return await paced(send, delivered, 64, 1_000);
}

/** Raw UDP (the runtime's fastest API): one 100-byte datagram per message, the same window. */
async function rawSmall(): Promise<number> {
  const delivered = new Completions();
  const sink = await rawSocket(() => delivered.add());
  const source = await rawSocket(() => {});
  const datagram = new Uint8Array(100);
  const send = () => source.send(datagram, sink.port);
  try {
    await paced(send, delivered, 64, 200);
    return await paced(send, delivered, 64, 1_000);
  } finally {
    sink.close();
    source.close();
  }
}

/** Round trips before the measured 2,000 (`--warm-up`, default 200), for the JIT to settle. */
const WARM_UP = Number(arg("--warm-up") ?? 200);
const KEEPALIVE = Number(arg("--keepalive") ?? 0);

/** µs of CPU of this process since `since`, per one of `count` operations. */
const cpuPer = (since: NodeJS.CpuUsage, count: number) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / count;
};

/**
 * One acknowledged 64-byte message at a time, beside a raw ping-pong: medians in µs, and the CPU
 * per round trip of the 2,000 measured ones.
 */
async function roundTrip(client: Node): Promise<Result> {
  const payload = new Uint8Array(64);
  const ours: number[] = [];
  let since = process.cpuUsage();
  for (let i = 0; i < WARM_UP + 2_000; i++) {
    if (i === WARM_UP) {
      if (KEEPALIVE) await new Promise((resolve) => setTimeout(resolve, 40 * KEEPALIVE));
      since = process.cpuUsage();
    }
    const at = performance.now();
    await client.send(payload);
    if (i >= WARM_UP) ours.push((performance.now() - at) * 1000);
  }
  const cpu = cpuPer(since, 2_000);
  const pong = new Uint8Array(96);
  let answered: (() => void) | undefined;
  const echo = await rawSocket((_b, port) => echo.send(pong, port));
  const pinger = await rawSocket(() => answered?.());
  const raw: number[] = [];
  const ping = new Uint8Array(128);
  for (let i = 0; i < WARM_UP + 2_000; i++) {
    if (i === WARM_UP) since = process.cpuUsage();
    const at = performance.now();
    await new Promise<void>((resolve) => {
      answered = resolve;
      pinger.send(ping, echo.port);
    });
    if (i >= WARM_UP) raw.push((performance.now() - at) * 1000);
  }
  const rawCpu = cpuPer(since, 2_000);
  echo.close();
  pinger.close();
  return { p50: median(ours), raw: median(raw), cpu, rawCpu };
}

/** Runs one case in a child process and returns its result. */
function child(tree: string, name: string, variant: string, extra: string[]): Promise<Result> {
  const args = ["--case", name, "--tree", tree, "--variant", variant, ...extra];
  return childResult(import.meta.filename!, args, 120_000);
}

async function orchestrate(): Promise<void> {
  const against = arg("--against") ?? "/work/wt/base";
  const rounds = Number(arg("--rounds") ?? 3);
  const framedAgainst = arg("--framed-against");
  const warmUp = arg("--warm-up");
  const keepalive = arg("--keepalive");
  const variants: [string, string, string][] = [
    ["before (seed)", against, "seed"],
    ...(framedAgainst
      ? [["before (framed)", framedAgainst, "framed"] as [string, string, string]]
      : []),
    ["seed path", here, "seed"],
    ["framed, coalescing", here, "framed"],
    ["framed, flush immediate", here, "immediate"],
  ];
  const cases: [string, string[]][] = [
    ["loss 0 %", ["--case", "loss", "--loss", "0"]],
    ["loss 5 %", ["--case", "loss", "--loss", "5"]],
    ["loss 10 %", ["--case", "loss", "--loss", "10"]],
    ["loss 20 % + jitter", ["--case", "loss", "--loss", "20"]],
    ["small", ["--case", "small"]],
    ["rtt", ["--case", "rtt"]],
  ];
  const only = arg("--only")?.split(",");
  const results = new Map<string, Result[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [caseName, flags] of cases) {
      if (only && !only.some((o) => caseName.startsWith(o))) continue;
      for (const [label, tree, variant] of variants) {
        const name = flags[1]!;
        const extra = [
          ...flags.slice(2),
          ...(warmUp ? ["--warm-up", warmUp] : []),
          ...(keepalive ? ["--keepalive", keepalive] : []),
        ];
        const result = await child(tree, name, variant, extra).catch((error) => {
          console.error(`${label} ${caseName}: ${error.message}`);
          return {};
        });
        console.error(`round ${round + 1} ${caseName} ${label}: ${JSON.stringify(result)}`);
        const key = `${caseName}|${label}`;
        results.set(key, [...(results.get(key) ?? []), result]);
      }
    }
  }
  const med = (key: string, field: keyof Result) => {
    const xs = (results.get(key) ?? []).map((r) => r[field]).filter((x) => typeof x === "number");
    return xs.length ? median(xs as number[]) : NaN;
  };
  const f = (n: number, digits = 0) => Number.isNaN(n) ? "—" : n.toFixed(digits);
  console.log(`\n| variant | ${cases.map(([c]) => c).join(" | ")} |`);
  for (const [label] of variants) {
    const cells = cases.map(([c]) => {
      const key = `${c}|${label}`;
      if (c.startsWith("loss 20")) {
        const once = (results.get(key) ?? []).every((r) => r.exactlyOnce);
        return `${f(med(key, "seconds"), 1)} s${once ? "" : " (NOT exactly once)"}`;
      }
      if (c.startsWith("loss")) {
        const base = med(`loss 0 %|${label}`, "rate");
        return `${f(med(key, "rate"))}/s (${f(med(key, "rate") / base, 2)}×) p99 ${
          f(med(key, "p99"))
        } ms`;
      }
      if (c === "small") {
        return `${f(med(key, "rate"))}/s vs raw ${f(med(key, "raw"))} (${
          f(med(key, "rate") / med(key, "raw"), 2)
        }×)`;
      }
      return `${f(med(key, "p50"))} µs vs raw ${f(med(key, "raw"))} (${
        f(med(key, "p50") / med(key, "raw"), 2)
      }×), CPU ${f(med(key, "cpu"))} vs ${f(med(key, "rawCpu"))} µs`;
    });
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
}

const caseName = arg("--case");
if (caseName) {
  const result = await runCase(arg("--tree")!, caseName, arg("--variant")!);
  console.log(JSON.stringify(result));
  process.exit(0);
} else {
  await orchestrate();
  process.exit(0);
}
