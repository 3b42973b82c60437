/**
 * The cluster through a real redis-server on loopback, side by side in one run:
 *
 * 1. Redis floors: a PUBLISH heard by a subscriber that publishes back (pub/sub round trip), and
 *    the same over a stream (XADD, answered by a blocking XREAD's XADD), sequential, p50/p99;
 * 2. baseline: a reliable `session.send()` on the node that holds the session, p50/p99;
 * 3. `cluster.send()` reliable from node A to a session on node B (lookup, PUBLISH, the owner's
 *    send and ACK, the answer back), sequential p50/p99, then 20,000 sends with up to 100 in
 *    flight (`WINDOW=N` to change) over 10 sessions (`SESSIONS=N`): messages/s, the same
 *    unreliable, and the local baseline; then the same to node P, a node in its own process
 *    (`bench/_cluster_peer.ts`) with its clients, as another machine would be, with the CPU time
 *    per message of A's process, of P's (its clients included) and of Redis. Sends issued in one
 *    turn of the event loop leave in one routing script call, answers in one PUBLISH;
 * 4. broadcast to 1,000 sessions over 3 nodes (reliable): time until the last ACK, median of 5;
 * 5. directory cost: Redis commands per session per minute at steady state, from Redis's own
 *    `total_commands_processed` over 10 s with the 1,000 sessions open.
 *
 * Run: `deno run -A bench/cluster_bench.ts` or `bun bench/cluster_bench.ts`. Needs redis-server
 * on PATH (it starts its own on a random port). About 30-60 s.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import process from "node:process";
import { createClient } from "@redis/client";
import { connect, listen, type ThingClient, type ThingNode } from "../core/node.ts";
import { type Cluster, cluster } from "../plugins/cluster/mod.ts";
import { connection } from "../plugins/connection/mod.ts";
import { udp } from "../transports/udp/mod.ts";
import { startRedis } from "../tests/_redis.ts";
import { formatCount as fmt, median } from "./_stats.ts";

const SEQUENTIAL = 2_000;
const BULK = 20_000;
const SESSIONS = Number(process.env.SESSIONS ?? 10);
const WINDOW = Number(process.env.WINDOW ?? 100);
const BROADCAST_SESSIONS = 1_000;
const payload = new Uint8Array(64).fill(7);

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function row(name: string, samples: number[]): string {
  return `| ${name} | ${percentile(samples, 0.5).toFixed(3)} | ${
    percentile(samples, 0.99).toFixed(3)
  } |`;
}

async function timed(n: number, once: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await once();
    out.push(performance.now() - start);
  }
  return out;
}

/** Messages per second of `n` calls with at most `window` in flight. */
async function rate(n: number, window: number, call: (i: number) => Promise<unknown>) {
  const start = performance.now();
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await call(i).catch(() => failed++);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { perSecond: n / ((performance.now() - start) / 1000), failed };
}

async function redisFloors(url: string) {
  const a = createClient({ url });
  const echo = createClient({ url });
  await Promise.all([a.connect(), echo.connect()]);
  const sub = a.duplicate();
  const echoSub = echo.duplicate();
  await Promise.all([sub.connect(), echoSub.connect()]);
  let waiter: (() => void) | undefined;
  await echoSub.subscribe("bench:ping", (m) => void echo.publish("bench:pong", m), true);
  await sub.subscribe("bench:pong", () => waiter?.(), true);
  const pubsub = await timed(SEQUENTIAL, () =>
    new Promise<void>((resolve) => {
      waiter = resolve;
      void a.publish("bench:ping", Buffer.from(payload));
    }));
  // Streams: one blocking reader per direction.
  const reader = a.duplicate();
  const echoReader = echo.duplicate();
  await Promise.all([reader.connect(), echoReader.connect()]);
  let stop = false;
  const pump = async (from: typeof reader, key: string, then: (id: string) => Promise<unknown>) => {
    let last = "$";
    while (!stop) {
      const got = await from.xRead({ key, id: last }, { BLOCK: 200, COUNT: 100 }) as
        | { messages: { id: string }[] }[]
        | null;
      for (const stream of got ?? []) {
        for (const message of stream.messages) {
          last = message.id;
          await then(message.id);
        }
      }
    }
  };
  let streamWaiter: (() => void) | undefined;
  const echoLoop = pump(echoReader, "bench:s1", () => echo.xAdd("bench:s2", "*", { m: "x" }));
  const backLoop = pump(reader, "bench:s2", () => Promise.resolve(streamWaiter?.()));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const streams = await timed(SEQUENTIAL / 4, () =>
    new Promise<void>((resolve) => {
      streamWaiter = resolve;
      void a.xAdd("bench:s1", "*", { m: "x" });
    }));
  stop = true;
  await Promise.all([echoLoop, backLoop]);
  for (const client of [a, echo, sub, echoSub, reader, echoReader]) await client.close();
  return { pubsub, streams };
}

async function node(url: string, name: string): Promise<{ server: ThingNode; cluster: Cluster }> {
  const member = cluster({ url, node: name, prefix: "bench" });
  await member.start();
  const server = await listen({ transport: udp(), plugins: [connection(), member] });
  return { server, cluster: member };
}

function client(server: ThingNode): Promise<ThingClient> {
  return connect({
    transport: udp(),
    port: server.address.port,
    plugins: connection(),
    connectTimeout: 10_000,
  });
}

/** Commands Redis counted (a script's inner calls included), and script calls (round trips). */
async function commandsProcessed(redis: { command(args: string[]): Promise<unknown> }) {
  const info = String(await redis.command(["INFO", "all"]));
  return {
    all: Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN),
    scripts: Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? NaN),
  };
}

/** Redis's own CPU time so far (µs), from INFO. */
async function redisCpu(redis: { command(args: string[]): Promise<unknown> }): Promise<number> {
  const info = String(await redis.command(["INFO", "cpu"]));
  const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (seconds("used_cpu_user") + seconds("used_cpu_sys")) * 1e6;
}

/** Node `name` with `count` clients in a child process of this runtime; resolves their IDs. */
async function peer(url: string, name: string, count: number) {
  const deno = !("Bun" in globalThis);
  const script = new URL("./_cluster_peer.ts", import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    [...(deno ? ["run", "-A"] : []), script, url, name, String(count)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  let cpuWaiter: ((cpu: number) => void) | undefined;
  const ids = await new Promise<string[]>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      let end: number;
      while ((end = out.indexOf("\n")) >= 0) {
        const line = JSON.parse(out.slice(0, end));
        out = out.slice(end + 1);
        if (line.ids) resolve(line.ids);
        else cpuWaiter?.(line.cpu);
      }
    });
    child.on("exit", (code) => reject(new Error(`peer ${name} exited with ${code}`)));
  });
  return {
    ids,
    /** The peer's CPU time so far, in µs. */
    cpu: () =>
      new Promise<number>((resolve) => {
        cpuWaiter = resolve;
        child.stdin!.write("cpu\n");
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.on("exit", () => resolve());
        child.stdin!.end();
      }),
  };
}

const redis = await startRedis();
try {
  const floors = await redisFloors(redis.url);
  const a = await node(redis.url, "a");
  const b = await node(redis.url, "b");
  const c = await node(redis.url, "c");
  const onB: ThingClient[] = [];
  for (let i = 0; i < SESSIONS; i++) onB.push(await client(b.server));
  const target = onB[0]!.session.id;
  const local = [...b.server.endpoint.sessions].find((s) => s.id === target)!;
  const baseline = await timed(SEQUENTIAL, () => local.send(payload));
  const cross = await timed(SEQUENTIAL, () => a.cluster.send(target, payload));
  const ids = onB.map((x) => x.session.id);
  const reliable = await rate(BULK, WINDOW, (i) => a.cluster.send(ids[i % ids.length]!, payload));
  const unreliable = await rate(
    BULK,
    WINDOW,
    (i) => a.cluster.send(ids[i % ids.length]!, payload, { reliable: false }),
  );
  const localRate = await rate(
    BULK,
    WINDOW,
    (i) => [...b.server.endpoint.sessions][i % ids.length]!.send(payload),
  );
  // The same to node P in its own process (with its clients), as another machine would be.
  const far = await peer(redis.url, "p", SESSIONS);
  const crossFar = await timed(SEQUENTIAL, () => a.cluster.send(far.ids[0]!, payload));
  const farId = (i: number) => far.ids[i % far.ids.length]!;
  const cpuBefore = { a: process.cpuUsage(), p: await far.cpu(), redis: await redisCpu(redis) };
  const reliableFar = await rate(BULK, WINDOW, (i) => a.cluster.send(farId(i), payload));
  const usedA = process.cpuUsage(cpuBefore.a);
  const perMessage = {
    a: (usedA.user + usedA.system) / BULK,
    p: (await far.cpu() - cpuBefore.p) / BULK,
    redis: (await redisCpu(redis) - cpuBefore.redis) / BULK,
  };
  const unreliableFar = await rate(
    BULK,
    WINDOW,
    (i) => a.cluster.send(farId(i), payload, { reliable: false }),
  );
  await far.stop();

  // 1,000 sessions over 3 nodes (the 10 on B included).
  const clients = [...onB];
  const nodes = [a, b, c];
  for (let i = clients.length; i < BROADCAST_SESSIONS; i += 50) {
    const batch = Array.from(
      { length: Math.min(50, BROADCAST_SESSIONS - i) },
      (_, j) => client(nodes[(i + j) % 3]!.server),
    );
    clients.push(...await Promise.all(batch));
  }
  let received = 0;
  for (const x of clients) x.on("message", () => received++);
  const broadcasts: number[] = [];
  let delivered = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    const result = await a.cluster.broadcast(payload);
    broadcasts.push(performance.now() - start);
    delivered = result.delivered;
  }

  // Directory cost at steady state: no opens or closes, only beats.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const before = await commandsProcessed(redis);
  const windowMs = 10_000;
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = await commandsProcessed(redis);
  const commands = after.all - before.all - 1; // the second INFO is counted
  const calls = after.scripts - before.scripts;
  const perMinute = (n: number) => (n / clients.length * (60_000 / windowMs)).toFixed(3);

  const runtime = "Bun" in globalThis
    ? `bun ${process.versions.bun}`
    : `deno ${process.versions.deno}`;
  console.log(`cluster bench on ${runtime}, redis-server on loopback, 64-byte messages\n`);
  console.log("| round trip | p50 ms | p99 ms |");
  console.log("|---|---:|---:|");
  console.log(row("Redis pub/sub ping-pong (floor)", floors.pubsub));
  console.log(row("Redis stream ping-pong, XADD + blocking XREAD", floors.streams));
  console.log(row("local session.send(), reliable (baseline)", baseline));
  console.log(row("cluster.send() A to B (same process), reliable", cross));
  console.log(row("cluster.send() A to P (own process), reliable", crossFar));
  console.log(
    `\n| throughput, ${fmt(BULK)} sends, ${
      fmt(WINDOW)
    } in flight, ${SESSIONS} sessions | msgs/s | failed |`,
  );
  console.log("|---|---:|---:|");
  console.log(
    `| local session.send(), reliable (baseline) | ${
      fmt(localRate.perSecond)
    } | ${localRate.failed} |`,
  );
  console.log(
    `| cluster.send() A to B, reliable | ${fmt(reliable.perSecond)} | ${reliable.failed} |`,
  );
  console.log(
    `| cluster.send() A to B, unreliable | ${fmt(unreliable.perSecond)} | ${unreliable.failed} |`,
  );
  console.log(
    `| cluster.send() A to P (own process), reliable | ${
      fmt(reliableFar.perSecond)
    } | ${reliableFar.failed} |`,
  );
  console.log(
    `| cluster.send() A to P (own process), unreliable | ${
      fmt(unreliableFar.perSecond)
    } | ${unreliableFar.failed} |`,
  );
  console.log(
    `\nCPU per reliable message A to P: A's process ${perMessage.a.toFixed(1)} µs, P's (with its ` +
      `clients) ${perMessage.p.toFixed(1)} µs, Redis ${perMessage.redis.toFixed(1)} µs`,
  );
  console.log(
    `\nbroadcast to ${clients.length} sessions over 3 nodes, reliable: last ACK after ${
      median(broadcasts).toFixed(1)
    } ms (median of 5; ${delivered} delivered per round, ${received} received in all)`,
  );
  console.log(
    `directory at steady state, ${clients.length} sessions on 3 nodes, ${
      windowMs / 1000
    } s: ${calls} script calls (round trips) = ${
      perMinute(calls)
    } per session per minute; ${commands} commands counted by Redis (inner calls included) = ${
      perMinute(commands)
    } per session per minute`,
  );
  await Promise.all(clients.map((x) => x.close()));
  for (const n of nodes) await n.server.close();
} finally {
  await redis.stop();
}
