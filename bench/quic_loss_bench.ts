/**
 * The streams plugin's goodput under seeded loss, as in bench/quic_bench.ts's loss rows (`quic()`
 * over the memory transport, 16 KiB packets, no delay, real timers), for one tree against another
 * in the same run: each round runs every loss level of every tree in turn (0 %, 1 %, 5 % of this
 * tree, then of `--against`), so a machine whose load changes during the run disturbs every cell
 * alike. The modules come from each tree (`--against /work/wt/base` for the tree before the work);
 * the code of this file is the same for both. It prints the median MB/s per cell and the median,
 * over rounds, of each round's ratio to its own lossless run. One untimed transfer per tree warms
 * up the compiler first.
 *
 *     deno run -A bench/quic_loss_bench.ts [MB] [rounds] [--against DIR]
 *     bun bench/quic_loss_bench.ts [MB] [rounds] [--against DIR]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { median } from "./_stats.ts";

type Core = typeof import("../core/node.ts");
type Crypto = typeof import("../plugins/thing/crypto/mod.ts");
type Streams = typeof import("../plugins/streams/mod.ts");
type Quic = typeof import("../presets/quic/mod.ts");
type Memory = typeof import("../transports/memory/mod.ts");

const LOSSES = [0, 0.01, 0.05] as const;
const CHUNK = new Uint8Array(256 * 1024).fill(7);

/** One tree's modules, loaded from its own files. */
interface Tree {
  name: string;
  core: Core;
  crypto: Crypto;
  streams: Streams;
  quic: Quic;
  memory: Memory;
}

async function load(root: string, name: string): Promise<Tree> {
  const from = <T>(path: string) => import(`${root}/${path}`) as Promise<T>;
  return {
    name,
    core: await from<Core>("core/node.ts"),
    crypto: await from<Crypto>("plugins/thing/crypto/mod.ts"),
    streams: await from<Streams>("plugins/streams/mod.ts"),
    quic: await from<Quic>("presets/quic/mod.ts"),
    memory: await from<Memory>("transports/memory/mod.ts"),
  };
}

/** Sends `bytes` over one stream through `loss`; returns MB/s from connect to the last byte. */
async function transfer(tree: Tree, loss: number, bytes: number): Promise<number> {
  const { core, crypto, streams, quic, memory } = tree;
  const identity = crypto.ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
  const network = memory.memoryNetwork({ seed: 3, impairment: loss > 0 ? { loss } : undefined });
  const options = { packetSize: 16_448 };
  const server = await core.listen({
    transport: memory.memory(network),
    plugins: quic.quic({ ...options, thing: { identity } }).plugins,
    hostname: "127.0.0.1",
    port: 0,
  });
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  server.on("session", ({ session }) => {
    void (async () => {
      for await (const stream of streams.streamSession(session).incomingBidirectionalStreams) {
        let got = 0;
        for await (const chunk of stream.readable) got += chunk.length;
        if (got === bytes) finish();
      }
    })();
  });
  const start = performance.now();
  const client = await core.connect({
    transport: memory.memory(network),
    plugins: quic.quic({ ...options, thing: { serverKey: identity.publicKey } }).plugins,
    hostname: "127.0.0.1",
    port: server.address.port,
  });
  const stream = await streams.streamSession(client.session).createBidirectionalStream();
  void (async () => {
    const writer = stream.writable.getWriter();
    for (let sent = 0; sent < bytes; sent += CHUNK.length) {
      await writer.write(sent + CHUNK.length <= bytes ? CHUNK : CHUNK.subarray(0, bytes - sent));
    }
    await writer.close();
  })().catch(() => {});
  await done;
  const seconds = (performance.now() - start) / 1000;
  await client.close();
  await server.close();
  return bytes / seconds / 1e6;
}

const g = globalThis as {
  Bun?: { version: string };
  Deno?: { args: string[]; version: { deno: string } };
};
const argv: string[] = g.Deno?.args ?? process.argv.slice(2);
const positional = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--against");
const MB = Number(positional[0] ?? 30);
const ROUNDS = Number(positional[1] ?? 5);
const against = argv.includes("--against") ? argv[argv.indexOf("--against") + 1] : undefined;
const here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const trees = [await load(here, "this tree")];
if (against) trees.push(await load(against, against));
const runtime = g.Bun ? `Bun ${g.Bun.version}` : `Deno ${g.Deno!.version.deno}`;
const rates = new Map<string, number[]>();
const ratios = new Map<string, number[]>();
// One untimed transfer per tree first: the first run in a process also compiles the code.
for (const tree of trees) await transfer(tree, 0, MB * 1_000_000);
const deadline = performance.now() + 240_000;
for (let round = 0; round < ROUNDS && performance.now() < deadline; round++) {
  for (const tree of trees) {
    let lossless = 0;
    for (const loss of LOSSES) {
      const mbps = await transfer(tree, loss, MB * 1_000_000);
      if (loss === 0) lossless = mbps;
      const key = `${tree.name}|${loss}`;
      (rates.get(key) ?? rates.set(key, []).get(key)!).push(mbps);
      (ratios.get(key) ?? ratios.set(key, []).get(key)!).push(mbps / lossless);
    }
  }
}
const done = rates.get(`this tree|0`)!.length;
console.log(`${runtime}: ${MB} MB over the memory transport, ${done} interleaved rounds`);
console.log("| tree | loss | MB/s (median) | vs own lossless (median of rounds) | every round |");
console.log("| --- | ---: | ---: | ---: | --- |");
for (const tree of trees) {
  for (const loss of LOSSES) {
    const key = `${tree.name}|${loss}`;
    const each = ratios.get(key)!.map((r) => r.toFixed(2)).join(", ");
    console.log(
      `| ${tree.name} | ${loss * 100} % | ${median(rates.get(key)!).toFixed(1)} | ${
        median(ratios.get(key)!).toFixed(2)
      } | ${each} |`,
    );
  }
}
