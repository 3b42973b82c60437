/**
 * Why `serveWorkers()` uses worker threads: what one worker pays to learn, for a packet without a
 * session there, whether another worker owns its client ID. With threads it claims the ID in the
 * shared-memory directory (`SharedDirectory.claim()` then `release()`, an uncontended lock); with
 * processes it would have to ask a supervisor and wait for the answer. Measured in the same run:
 * the claim, a round trip to a worker thread over `postMessage`, and a round trip to a child
 * process over `node:child_process` IPC. Medians of 5 rounds. Run: `bun bench/workers_ipc_bench.ts`
 * or `deno run -A bench/workers_ipc_bench.ts`. About 10 s.
 *
 * @module
 */
import { fork } from "node:child_process";
import process from "node:process";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { SharedDirectory } from "../workers/directory.ts";
import { median } from "./_stats.ts";

const ROUNDS = 5;
const CLAIMS = 200_000;
const TRIPS = 5_000;

function claims(): number {
  const directory = new SharedDirectory(65_536);
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  const started = performance.now();
  for (let i = 0; i < CLAIMS; i++) {
    view.setUint32(0, i);
    directory.claim(id, 0);
    directory.release(id, 0);
  }
  return ((performance.now() - started) * 1000) / CLAIMS;
}

/** Microseconds per request-answer round trip through `send` and `onAnswer`. */
async function trips(send: (n: number) => void, onAnswer: (fn: () => void) => void) {
  let next: () => void = () => {};
  onAnswer(() => next());
  const started = performance.now();
  for (let i = 0; i < TRIPS; i++) {
    await new Promise<void>((resolve) => {
      next = resolve;
      send(i);
    });
  }
  return ((performance.now() - started) * 1000) / TRIPS;
}

async function main(): Promise<void> {
  const self = new URL(import.meta.url);
  const thread = new Worker(self, { workerData: null });
  const child = fork(self.pathname, ["--child"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const rows = { claim: [] as number[], thread: [] as number[], process: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      rows.claim.push(claims());
      rows.thread.push(
        await trips(
          (n) => thread.postMessage(n),
          (fn) => thread.removeAllListeners("message").on("message", fn),
        ),
      );
      rows.process.push(
        await trips(
          (n) => child.send(n),
          (fn) => child.removeAllListeners("message").on("message", fn),
        ),
      );
    }
  } finally {
    await thread.terminate();
    child.kill();
  }
  console.log("| owner lookup for a session-less packet | µs per lookup | runs |");
  console.log("| --- | ---: | --- |");
  const line = (name: string, xs: number[]) =>
    console.log(
      `| ${name} | ${median(xs).toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(", ")} |`,
    );
  line("SharedDirectory claim + release (threads)", rows.claim);
  line("postMessage round trip to a worker thread", rows.thread);
  line("IPC round trip to a child process", rows.process);
}

if (process.argv.includes("--child")) {
  process.on("message", (n) => process.send!(n));
} else if (!isMainThread) {
  parentPort!.on("message", (n) => parentPort!.postMessage(n));
} else {
  await main();
}
