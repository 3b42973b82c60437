/**
 * `thing bench HOST:PORT | --local`: throughput and latency of the chosen dialect and transport,
 * with a progress bar on stderr and a results table (or `--json`) on stdout.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { ThingNode } from "../core/node.ts";
import { addressKey, type PeerAddress } from "../core/transport.ts";
import { generateIdentity } from "../plugins/thing/mod.ts";
import { type Command, type CommandIo, commonOptions, type FlagValues } from "./command.ts";
import { measureStreams } from "./bench_quic.ts";
import { type BenchPlan, type Measured, roundTrips, throughput } from "./bench_run.ts";
import {
  clientHelp,
  clientOptions,
  type EndpointChoice,
  endpointChoice,
  endpointHelp,
  endpointOptions,
  serverAddress,
  startClient,
  startServer,
} from "./endpoints.ts";
import { CountFlag, flag, SizeFlag, UsageError } from "./flags.ts";
import { formatBytes, formatCount, formatMs, jsonLine, paint, table } from "./output.ts";
import { type BenchBars, Progress } from "./progress.ts";
import { summarize } from "./stats.ts";

/** The `bench` command. */
export const bench: Command = {
  summary: "measure throughput and latency against a server, or --local",
  help: `Usage: thing bench HOST:PORT [flags]
       thing bench --local [flags]

  --local             start a server on 127.0.0.1 in this process and bench against it
  --count N           messages in the throughput run (default 10000)
  --size BYTES        payload bytes per message (default 1024)
  --window N          messages in flight at once (default 64)
  --rounds N          sequential round trips timed for latency (default 500)
${endpointHelp}
${clientHelp}
  --json              print the results as one JSON object

Acknowledged dialects (connection, hybrid) count ACKed DATA_ACK messages; the thing dialect sends
DATA_NOACK and counts the echoes of an echoing server (thing serve without --no-echo). With
--transport quic the run is one stream of COUNT × SIZE bytes and each round trip a SIZE-byte
stream, both confirmed by the server's SHA-256 (the server stores them under its --out DIR).`,
  options: {
    ...commonOptions,
    ...endpointOptions,
    ...clientOptions,
    local: { type: "boolean" },
    count: { type: "string", default: "10000" },
    size: { type: "string", default: "1024" },
    window: { type: "string", default: "64" },
    rounds: { type: "string", default: "500" },
    json: { type: "boolean" },
  },
  positionals: true,
  async run(values, positionals, io) {
    const local = values.local === true;
    if (local && positionals.length > 0) {
      throw new UsageError(
        `Invalid arguments ${JSON.stringify(positionals)}: expected HOST:PORT or --local, not both`,
      );
    }
    const choice = endpointChoice(values);
    const count = flag("count", CountFlag, values.count);
    const size = flag("size", SizeFlag, values.size);
    const window = flag("window", CountFlag, values.window);
    const rounds = flag("rounds", CountFlag, values.rounds);
    const json = values.json === true;
    const plan: BenchPlan = { local, positionals, count, size, window, rounds };
    const begin = (target: PeerAddress) => {
      io.err(
        `benchmarking ${choice.dialect} over ${choice.transport} to ${addressKey(target)}: ${
          choice.streams
            ? `a stream of ${formatCount(count)} × ${formatBytes(size)}`
            : `${formatCount(count)} messages of ${formatBytes(size)}`
        }, then ${formatCount(rounds)} round trips; Ctrl-C stops`,
      );
      const messages = new Progress(io, { label: "messages", total: count, unit: "items" });
      const bars: BenchBars = {
        messages,
        roundTrips() {
          messages.finish();
          return new Progress(io, { label: "round trips", total: rounds, unit: "items" });
        },
      };
      return bars;
    };
    const { target, run, rtts } = choice.streams
      ? await measureStreams(plan, values, io, begin)
      : await measureMessages(choice, plan, values, io, begin);
    const latency = summarize(rtts);
    const result = {
      target: addressKey(target),
      local,
      dialect: choice.dialect,
      transport: choice.transport,
      size,
      window,
      interrupted: io.signal.aborted,
      throughput: {
        sent: run.sent,
        confirmed: run.confirmed,
        lost: run.sent - run.confirmed,
        seconds: run.seconds,
        messagesPerSecond: run.confirmed / Math.max(run.seconds, 1e-9),
        bytesPerSecond: (run.confirmed * size) / Math.max(run.seconds, 1e-9),
      },
      latencyMs: {
        rounds: latency.count,
        min: latency.min,
        avg: latency.avg,
        p50: latency.p50,
        p99: latency.p99,
        max: latency.max,
      },
    };
    if (json) io.out(jsonLine(result));
    else report(io.out, result, paint(io.tty.out));
    return 0;
  },
};

/** Runs the message benchmark (connection, thing, hybrid) over one client. */
async function measureMessages(
  choice: EndpointChoice,
  plan: BenchPlan,
  values: FlagValues,
  io: CommandIo,
  begin: (target: PeerAddress) => BenchBars,
): Promise<Measured> {
  let server: ThingNode | undefined;
  let target = plan.local ? undefined : serverAddress(plan.positionals);
  let serverKey: Record<string, string> = {};
  if (plan.local) {
    const identity = choice.entry.identity ? generateIdentity() : undefined;
    server = await startServer(choice, { hostname: "127.0.0.1", port: 0 }, { identity });
    if (!choice.entry.reliable) {
      server.on(
        "message",
        ({ session, data, customId }) =>
          void session.send(data, { customId, reliable: false }).catch(() => {}),
      );
    }
    target = { hostname: "127.0.0.1", port: server.address.port };
    if (identity) {
      serverKey = { "server-key": Buffer.from(identity.publicKey).toString("base64url") };
    }
  }
  try {
    const client = await startClient(choice, target!, { ...values, ...serverKey }, io);
    try {
      const bars = begin(target!);
      const reliable = choice.entry.reliable;
      const run = await throughput(client, {
        count: plan.count,
        size: plan.size,
        window: plan.window,
        reliable,
        progress: (done) => bars.messages.update(done),
        signal: io.signal,
      });
      const bar = bars.roundTrips();
      const rtts = await roundTrips(
        client,
        plan.rounds,
        plan.size,
        reliable,
        (done) => bar.update(done),
        io.signal,
      );
      bar.finish();
      return { target: target!, run, rtts };
    } finally {
      await client.close();
    }
  } finally {
    await server?.close();
  }
}

type BenchResult = {
  target: string;
  local: boolean;
  dialect: string;
  transport: string;
  size: number;
  window: number;
  interrupted: boolean;
  throughput: {
    sent: number;
    confirmed: number;
    lost: number;
    seconds: number;
    messagesPerSecond: number;
    bytesPerSecond: number;
  };
  latencyMs: { rounds: number; min: number; avg: number; p50: number; p99: number; max: number };
};

function report(out: (line: string) => void, r: BenchResult, c: ReturnType<typeof paint>): void {
  const t = r.throughput;
  const l = r.latencyMs;
  out(
    c.bold(
      `thing bench: ${r.dialect} over ${r.transport} to ${r.target}${r.local ? " (local)" : ""}`,
    ) +
      (r.interrupted ? c.yellow(" — interrupted") : ""),
  );
  out(table([
    ["metric", "value"],
    ["messages", `${formatCount(t.confirmed)} of ${formatCount(t.sent)} × ${formatBytes(r.size)}`],
    ["lost", formatCount(t.lost)],
    ["time", `${t.seconds.toFixed(3)} s`],
    ["throughput", `${formatCount(t.messagesPerSecond)} msg/s`],
    ["", `${formatBytes(t.bytesPerSecond)}/s`],
    ["round trips", formatCount(l.rounds)],
    ["latency min", formatMs(l.min)],
    ["latency p50", formatMs(l.p50)],
    ["latency avg", formatMs(l.avg)],
    ["latency p99", formatMs(l.p99)],
    ["latency max", formatMs(l.max)],
  ]));
}
