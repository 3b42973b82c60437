/**
 * The streams plugin's goodput under random loss on a simulated path, which no machine load can
 * disturb: the testing kit's SimNetwork with a manual clock, a 100 Mbit/s (12.5 MB/s) bottleneck
 * without drops, 10 ms each way (20 ms RTT), seeded loss in both directions, 16 KiB packets, the
 * toy dialect of the tests underneath. Goodput is bytes over simulated time, for this tree and
 * for `--against` (the modules of each tree; this file's code is the same for both). Each cell is
 * the median of three seeds.
 *
 *     deno run -A bench/streams_loss_sim_bench.ts [MB] [--against DIR]
 *     bun bench/streams_loss_sim_bench.ts [MB] [--against DIR]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { median } from "./_stats.ts";

type Sim = typeof import("../tests/plugins/streams/_sim.ts");
type Streams = typeof import("../plugins/streams/mod.ts");

const LOSSES = [0, 0.01, 0.05, 0.1] as const;
const SEEDS = [1, 2, 3];

async function goodput(root: string, loss: number, seed: number, bytes: number): Promise<number> {
  const sim = await import(`${root}/tests/plugins/streams/_sim.ts`) as Sim;
  const { streamSession } = await import(`${root}/plugins/streams/mod.ts`) as Streams;
  const p = await sim.streamPair({}, { loss, delay: 10, bandwidth: 12_500_000 }, seed);
  const data = sim.bytesOf(bytes, seed);
  const incoming = streamSession(p.serverSession).incomingBidirectionalStreams.getReader();
  const start = p.net.clock.now();
  const stream = await streamSession(p.clientSession).createBidirectionalStream();
  const sent = sim.track(sim.writeAll(stream.writable, data));
  const received = sim.track(incoming.read().then(({ value }) => sim.readAll(value!.readable)));
  await sim.drive(p.net, () => received.done);
  if (!received.value || !sim.sameBytes(received.value, data)) throw new Error("corrupt transfer");
  void sent;
  return bytes / (p.net.clock.now() - start) / 1000;
}

const g = globalThis as { Bun?: { version: string }; Deno?: { args: string[] } };
const argv: string[] = g.Deno?.args ?? process.argv.slice(2);
const positional = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--against");
const MB = Number(positional[0] ?? 10);
const against = argv.includes("--against") ? argv[argv.indexOf("--against") + 1] : undefined;
const here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const trees: Array<[string, string]> = [["this tree", here]];
if (against) trees.push([against, against]);
console.log(
  `Simulated path: 12.5 MB/s, 20 ms RTT, ${MB} MB, median of seeds ${SEEDS.join(", ")} (MB/s)`,
);
console.log(
  `| tree | ${LOSSES.map((l) => `${l * 100} %`).join(" | ")} | 5 % vs 0 % | 1 % vs 0 % |`,
);
console.log(`| --- |${LOSSES.map(() => " ---: |").join("")} ---: | ---: |`);
for (const [name, root] of trees) {
  const cells: number[] = [];
  for (const loss of LOSSES) {
    const runs: number[] = [];
    for (const seed of SEEDS) runs.push(await goodput(root, loss, seed, MB * 1_000_000));
    cells.push(median(runs));
  }
  console.log(
    `| ${name} | ${cells.map((c) => c.toFixed(2)).join(" | ")} | ${
      (cells[2]! / cells[0]!).toFixed(2)
    } | ${(cells[1]! / cells[0]!).toFixed(2)} |`,
  );
}
