/**
 * The 16 KiB sealed DATA_NOACK stream alone (`thing()`, one message per packet, 8 in flight,
 * client → server on 127.0.0.1, both ends in one process), one tree against another: each run is
 * a child process built from the modules of one tree, runs alternate between `--against TREE`
 * (e.g. the tree before a change) and this one, and each reports µs of CPU per packet (both ends,
 * all threads: `process.cpuUsage()`) and MB/s, medians of 3 rounds of 1 s after a warm-up round. Then,
 * from this tree, the floor beside it: the runtime's raw UDP socket alone (same size, same window,
 * a fresh copy per send) and the AEAD alone (`sealInto` into a fresh array, then `open`).
 *
 * Run: `bun bench/sealed_stream_bench.ts --against /work/wt/base19 [--rounds 3]` or
 * `deno run -A --unstable-net bench/sealed_stream_bench.ts --against /work/wt/base19`.
 *
 * @module
 */
import process from "node:process";
import { arg, childResult } from "./_child.ts";
import { median } from "./_stats.ts";

const SIZE = 16 * 1024;
const WINDOW = 8;
const ROUND_MS = 1000;
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** µs of CPU and wall time per completed unit while `run` works for about `ms`. */
async function perUnit(run: (ms: number) => Promise<number>, ms: number) {
  const before = process.cpuUsage();
  const start = performance.now();
  const units = await run(ms);
  const used = process.cpuUsage(before);
  return {
    cpu: (used.user + used.system) / units,
    wall: (performance.now() - start) * 1e3 / units,
  };
}

/** The child: the sealed stream built from `tree`'s modules, as one JSON line. */
async function stream(tree: string): Promise<void> {
  const { connect, listen } = await import(`${tree}/core/node.ts`);
  const { ed25519KeyPair } = await import(`${tree}/plugins/thing/crypto/mod.ts`);
  const { thing } = await import(`${tree}/plugins/thing/mod.ts`);
  const { udp } = await import(`${tree}/transports/udp/mod.ts`);
  const { Completions, paced } = await import(`${tree}/bench/_paced.ts`);
  const identity = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
  const server = await listen({ transport: udp(), port: 0, plugins: thing({ identity }) });
  const done = new Completions();
  server.on("message", () => done.add());
  const client = await connect({
    transport: udp(),
    port: server.address.port,
    plugins: thing({ serverKey: identity.publicKey }),
  });
  const payload = new Uint8Array(SIZE).fill(7);
  const send = () => void client.send(payload, { reliable: false }).catch(() => {});
  const run = async (ms: number) => (await paced(send, done, WINDOW, ms)) * ms / 1000;
  const rounds = [];
  for (let round = 0; round < 4; round++) rounds.push(await perUnit(run, ROUND_MS));
  await client.close();
  await server.close();
  const measured = rounds.slice(1);
  console.log(JSON.stringify({
    cpu: median(measured.map((r) => r.cpu)),
    wall: median(measured.map((r) => r.wall)),
  }));
}

/** One run of the stream from `tree`'s modules, in a child process. */
function child(tree: string): Promise<{ cpu: number; wall: number }> {
  return childResult(import.meta.filename!, ["--child", tree], 60_000, [
    "--config",
    `${tree}/deno.json`,
  ]);
}

/** The floor, from this tree: raw UDP alone and the AEAD alone, µs of CPU per packet. */
async function floor(): Promise<{ socket: number; aead: number }> {
  const { rawSocket } = await import("./_raw_udp.ts");
  const { Completions, paced } = await import("./_paced.ts");
  const { createAead, preferredSuites } = await import("../plugins/thing/crypto/aead.ts");
  const done = new Completions();
  const server = await rawSocket(() => done.add());
  const client = await rawSocket(() => {});
  const datagram = new Uint8Array(SIZE + 80).fill(7);
  const send = () => client.send(datagram.slice(), server.port);
  const socket = await perUnit(
    async (ms) => (await paced(send, done, WINDOW, ms)) * ms / 1000,
    ROUND_MS,
  );
  client.close();
  server.close();
  const aead = createAead(preferredSuites()[0]!, new Uint8Array(32).fill(7));
  const plaintext = new Uint8Array(SIZE).fill(1);
  const ad = new Uint8Array(32);
  const nonce = new Uint8Array(12);
  const cipher = await perUnit((ms) => {
    const start = performance.now();
    let count = 0;
    while (performance.now() - start < ms) {
      const sealed = new Uint8Array(SIZE + 16);
      aead.sealInto(nonce, plaintext, ad, sealed);
      if (aead.open(nonce, sealed, ad) === null) throw new Error("Cannot open what was sealed");
      count++;
    }
    return Promise.resolve(count);
  }, ROUND_MS);
  return { socket: socket.cpu, aead: cipher.cpu };
}

async function orchestrate(): Promise<void> {
  const against = arg("--against") ?? "/work/wt/base19";
  const rounds = Number(arg("--rounds") ?? 3);
  const runs: Record<string, { cpu: number; wall: number }[]> = { before: [], after: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [label, tree] of [["before", against], ["after", here]] as const) {
      const result = await child(tree);
      console.error(`round ${round + 1} ${label} (${tree}): ${JSON.stringify(result)}`);
      runs[label]!.push(result);
    }
  }
  const mb = (us: number) => (SIZE / us).toFixed(0);
  console.log("| 16 KiB sealed DATA_NOACK, alone | µs CPU per packet | MB/s | MB per CPU s |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const label of ["before", "after"]) {
    const cpu = median(runs[label]!.map((r) => r.cpu));
    const wall = median(runs[label]!.map((r) => r.wall));
    console.log(`| ${label} | ${cpu.toFixed(1)} | ${mb(wall)} | ${mb(cpu)} |`);
  }
  const f = await floor();
  console.log(`| floor: raw UDP alone | ${f.socket.toFixed(1)} | | ${mb(f.socket)} |`);
  console.log(`| floor: AEAD alone | ${f.aead.toFixed(1)} | | ${mb(f.aead)} |`);
}

const tree = arg("--child");
if (tree) await stream(tree);
else await orchestrate();
