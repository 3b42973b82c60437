/**
 * The measurements behind `thing bench`: a windowed throughput run and sequential round trips,
 * over one connected client. Acknowledged dialects count ACKs; the plain thing dialect (no ACKs)
 * counts the echoes of an echoing server.
 *
 * @module
 */
import type { ThingClient } from "../core/node.ts";
import type { PeerAddress } from "../core/transport.ts";

/** Custom ID bench traffic travels on. */
const BENCH_CHANNEL = 0xfffd;

/** What `thing bench` was asked to do. */
export interface BenchPlan {
  /** Start a server in this process. */
  local: boolean;
  /** The command's positionals (HOST:PORT unless local). */
  positionals: string[];
  /** Messages (or chunks of the stream) in the throughput run. */
  count: number;
  /** Payload bytes per message. */
  size: number;
  /** Messages in flight at once. */
  window: number;
  /** Sequential round trips timed. */
  rounds: number;
}

/** What a benchmark measured. */
export interface Measured {
  /** The server benched. */
  target: PeerAddress;
  /** The throughput run. */
  run: ThroughputResult;
  /** Round-trip times in ms. */
  rtts: number[];
}

/** What a throughput run measured. */
export interface ThroughputResult {
  /** Messages sent. */
  sent: number;
  /** Messages confirmed: ACKed, or echoed back (unacknowledged dialects). */
  confirmed: number;
  /** Seconds from the first send to the last confirmation. */
  seconds: number;
}

/** How a run proceeds. */
export interface RunOptions {
  /** Messages to send. */
  count: number;
  /** Payload bytes. */
  size: number;
  /** Messages in flight at once. */
  window: number;
  /** Whether the dialect acknowledges (`send` resolves on ACK). */
  reliable: boolean;
  /** The data plugin's channel to send on (0 when the dialect has none). */
  channel: number;
  /** Called with the number of messages confirmed so far. */
  progress(done: number): void;
  /** Stops the run early. */
  signal: AbortSignal;
}

/** Sends `count` messages keeping `window` in flight; resolves when all are confirmed. */
export function throughput(client: ThingClient, options: RunOptions): Promise<ThroughputResult> {
  return options.reliable ? acked(client, options) : echoed(client, options);
}

function acked(client: ThingClient, o: RunOptions): Promise<ThroughputResult> {
  const payload = new Uint8Array(o.size);
  const started = performance.now();
  let sent = 0;
  let confirmed = 0;
  let inFlight = 0;
  return new Promise((resolve, reject) => {
    const finish = () =>
      resolve({ sent, confirmed, seconds: (performance.now() - started) / 1000 });
    o.signal.addEventListener("abort", finish, { once: true });
    const pump = () => {
      while (inFlight < o.window && sent < o.count && !o.signal.aborted) {
        inFlight++;
        sent++;
        client.send(payload, { customId: BENCH_CHANNEL, channel: o.channel }).then(() => {
          inFlight--;
          o.progress(++confirmed);
          if (confirmed === o.count) finish();
          else pump();
        }, reject);
      }
    };
    pump();
  });
}

/** Unacknowledged: count echoes; messages not echoed within a second of the last are lost. */
function echoed(client: ThingClient, o: RunOptions): Promise<ThroughputResult> {
  const payload = new Uint8Array(o.size);
  const started = performance.now();
  let sent = 0;
  let confirmed = 0;
  let lost = 0;
  let lastEcho = started;
  let quietSince = started;
  const outstanding = () => sent - confirmed - lost;
  return new Promise((resolve, reject) => {
    const finish = () => {
      off();
      clearInterval(idle);
      resolve({ sent, confirmed, seconds: (lastEcho - started) / 1000 });
    };
    const pump = () => {
      while (outstanding() < o.window && sent < o.count && !o.signal.aborted) {
        sent++;
        client.send(payload, { customId: BENCH_CHANNEL, reliable: false, channel: o.channel })
          .catch(reject);
      }
    };
    const settled = () => {
      o.progress(confirmed + lost);
      if (confirmed + lost === o.count) finish();
      else pump();
    };
    const off = client.on("message", ({ customId }) => {
      if (customId !== BENCH_CHANNEL) return;
      lastEcho = quietSince = performance.now();
      confirmed++;
      settled();
    });
    const idle = setInterval(() => {
      if (performance.now() - quietSince < 1_000 || outstanding() === 0) return;
      lost += outstanding();
      quietSince = performance.now();
      settled();
    }, 100);
    o.signal.addEventListener("abort", finish, { once: true });
    pump();
  });
}

/**
 * Times `rounds` round trips one after another on `channel`; each resolves to ms (lost ones are
 * skipped).
 */
export async function roundTrips(
  client: ThingClient,
  rounds: number,
  size: number,
  reliable: boolean,
  channel: number,
  progress: (done: number) => void,
  signal: AbortSignal,
): Promise<number[]> {
  const payload = new Uint8Array(size);
  const samples: number[] = [];
  for (let i = 0; i < rounds && !signal.aborted; i++) {
    const at = performance.now();
    if (reliable) {
      await client.send(payload, { customId: BENCH_CHANNEL, channel });
    } else if (!(await echo(client, payload, channel))) {
      continue;
    }
    samples.push(performance.now() - at);
    progress(i + 1);
  }
  return samples;
}

function echo(client: ThingClient, payload: Uint8Array, channel: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(false), 1_000);
    const off = client.on("message", ({ customId }) => {
      if (customId === BENCH_CHANNEL) done(true);
    });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      off();
      resolve(ok);
    };
    client.send(payload, { customId: BENCH_CHANNEL, reliable: false, channel }).catch(reject);
  });
}
