/**
 * Two streams flows through one rate-limited relay, simulated: two clients send to one server over
 * a `SimNetwork` whose client → server links share one `RelayImpairment` with a rate limit (the
 * model `thing relay --rate` runs), and whose server → client links share another. The clock is
 * manual, so a run is deterministic and takes as long as the CPU needs, not the simulated time.
 * The fairness test and bench/relay_fairness_bench.ts both use it.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { SeededRandom } from "../../core/clock.ts";
import { Endpoint } from "../../core/endpoint.ts";
import type { Session } from "../../core/session.ts";
import { SimNetwork } from "../../core/testing/sim_network.ts";
import type { CongestionFactory } from "../../reliability/mod.ts";
import { streams, streamSession } from "../../plugins/streams/mod.ts";
import { RelayImpairment, type RelayImpairmentOptions } from "../../cli/relay_model.ts";
import { toy } from "../core/_toy_dialect.ts";

/** How the two flows run. Times are milliseconds, rates bytes per second. */
export interface TwoFlowsOptions {
  /** The congestion controller of each flow. */
  congestion: readonly [CongestionFactory, CongestionFactory];
  /** The relay's impairment of each direction (the rate limit, the delay, any loss). */
  relay: Omit<RelayImpairmentOptions, "seed">;
  /** How long to run. */
  duration: number;
  /** When the second flow starts sending (the first starts at 0). */
  secondStart: number;
  /** The length of one reporting interval (default 1,000). */
  interval?: number;
  /** Seed of the relay's random decisions (default 1). */
  seed?: number;
}

/** What each flow delivered. */
export interface TwoFlowsResult {
  /** Bytes delivered to the server by flow 0 and 1 in each interval. */
  perInterval: [number[], number[]];
  /** What the relay did to client → server packets. */
  upstream: RelayImpairment["counts"];
}

const CHUNK = new Uint8Array(65_536).fill(1);

/** Runs the two flows and reports what each delivered per interval. */
export async function twoFlows(options: TwoFlowsOptions): Promise<TwoFlowsResult> {
  const { duration, secondStart, interval = 1_000, seed = 1 } = options;
  const net = new SimNetwork();
  const serverAddress = { hostname: "server", port: 1 };
  const server = new Endpoint({
    role: "server",
    plugins: [toy(), streams()],
    clock: net.clock,
    random: new SeededRandom(seed),
  });
  net.add(server, serverAddress);
  const buckets = Math.ceil(duration / interval);
  const perInterval: [number[], number[]] = [
    new Array<number>(buckets).fill(0),
    new Array<number>(buckets).fill(0),
  ];
  const flowOf = new Map<string, number>();
  let start = Infinity;
  server.on("session", ({ session }) => void count(session).catch(() => {}));
  async function count(session: Session): Promise<void> {
    const flow = flowOf.get(`${session.peer.hostname}`)!;
    for await (const stream of streamSession(session).incomingBidirectionalStreams) {
      for await (const chunk of stream.readable) {
        const bucket = Math.floor((net.clock.now() - start) / interval);
        if (bucket >= 0 && bucket < buckets) perInterval[flow]![bucket]! += chunk.length;
      }
    }
  }
  const clients = options.congestion.map((congestion, flow) => {
    const address = { hostname: `client${flow}`, port: 1 };
    flowOf.set(address.hostname, flow);
    const endpoint = new Endpoint({
      role: "client",
      plugins: [toy(), streams({ congestion })],
      clock: net.clock,
      random: new SeededRandom(seed + 10 + flow),
    });
    net.add(endpoint, address);
    return { endpoint, address };
  });
  // The toy handshake does not retransmit: connect both before the bottleneck can drop anything.
  const sessions = await Promise.all(clients.map(async ({ endpoint }) => {
    const connecting = endpoint.connect(serverAddress);
    await net.runUntil(() => net.inFlight === 0, 1_000);
    return connecting;
  }));
  start = net.clock.now();
  const up = new RelayImpairment({ ...options.relay, seed }, start);
  const down = new RelayImpairment({ ...options.relay, seed: seed + 1 }, start);
  for (const { address } of clients) {
    net.setFate(address, serverAddress, up);
    net.setFate(serverAddress, address, down);
  }
  let stopped = false;
  const send = async (session: Session, at: number) => {
    while (net.clock.now() < at) await macrotask();
    const stream = await streamSession(session).createBidirectionalStream();
    const writer = stream.writable.getWriter();
    while (!stopped) await writer.write(CHUNK);
  };
  const senders = sessions.map((session, flow) =>
    send(session, start + (flow === 0 ? 0 : secondStart)).catch(() => {})
  );
  await run(net, () => net.clock.now() >= start + duration);
  stopped = true;
  let closed = false;
  const closing = Promise.all([...clients.map(({ endpoint }) => endpoint.close()), server.close()])
    .finally(() => (closed = true));
  await run(net, () => closed, 60_000);
  await closing;
  await Promise.all(senders);
  return { perInterval, upstream: up.counts };
}

/** Runs the network and the application's promises until `done()` or `maxSimMs` later. */
async function run(net: SimNetwork, done: () => boolean, maxSimMs = Infinity): Promise<void> {
  const end = net.clock.now() + maxSimMs;
  while (!done()) {
    if (net.clock.now() > end) throw new Error(`The simulation did not finish in ${maxSimMs} ms`);
    await net.runUntil(done, 20);
    await macrotask();
  }
}

/** Jain's fairness index of `shares`: 1 when equal, 1/n when one takes everything. */
export function jain(shares: readonly number[]): number {
  const sum = shares.reduce((a, b) => a + b, 0);
  const squares = shares.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (shares.length * squares);
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
