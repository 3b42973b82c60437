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
import { type ChannelChoice, channelChoice, channelHelp, channelOptions } from "./channel_flags.ts";

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
${channelHelp}
  --json              print the results as one JSON object

Acknowledged dialects (connection, hybrid) count ACKed messages of the --channel mode (reliable
ones; unreliable modes count echoes); the thing dialect sends DATA_NOACK and counts the echoes of
an echoing server (thing serve without --no-echo). The table ends with the delivery mode and the
loss counters: messages resent (retransmit events) and packets the client dropped, by reason. With
--transport quic the run is one stream of COUNT × SIZE bytes and each round trip a SIZE-byte
stream, both confirmed by the server's SHA-256 (the server stores them under its --out DIR).`,
  options: {
    ...commonOptions,
    ...endpointOptions,
    ...clientOptions,
    ...channelOptions,
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
    const channels = choice.streams ? undefined : channelChoice(values, choice);
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
    const { target, run, rtts, losses } = choice.streams
      ? { ...await measureStreams(plan, values, io, begin), losses: undefined }
      : await measureMessages(choice, channels!, plan, values, io, begin);
    const latency = summarize(rtts);
    const result = {
      target: addressKey(target),
      local,
      dialect: choice.dialect,
      transport: choice.transport,
      size,
      window,
      mode: channels?.mode ?? (choice.streams ? "stream" : "unreliable"),
      flush: channels?.data.flush ?? "tick",
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
      losses: losses ?? { retransmits: 0, dropped: {} },
    };
    if (json) io.out(jsonLine(result));
    else report(io.out, result, paint(io.tty.out));
    return 0;
  },
};

/** Runs the message benchmark (connection, thing, hybrid) over one client. */
async function measureMessages(
  choice: EndpointChoice,
  channels: ChannelChoice,
  plan: BenchPlan,
  values: FlagValues,
  io: CommandIo,
  begin: (target: PeerAddress) => BenchBars,
): Promise<Measured & { losses: Losses }> {
  let server: ThingNode | undefined;
  let target = plan.local ? undefined : serverAddress(plan.positionals);
  let serverKey: Record<string, string> = {};
  if (plan.local) {
    const identity = choice.entry.identity ? generateIdentity() : undefined;
    server = await startServer(choice, { hostname: "127.0.0.1", port: 0 }, {
      identity,
      data: channels.data,
    });
    if (!channels.reliable) {
      server.on(
        "message",
        ({ session, data, customId, channel }) =>
          void session.send(data, { customId, reliable: false, channel }).catch(() => {}),
      );
    }
    target = { hostname: "127.0.0.1", port: server.address.port };
    if (identity) {
      serverKey = { "server-key": Buffer.from(identity.publicKey).toString("base64url") };
    }
  }
  try {
    const client = await startClient(choice, target!, { ...values, ...serverKey }, io, {
      data: channels.data,
    });
    let retransmits = 0;
    client.on("retransmit", () => retransmits++);
    try {
      const bars = begin(target!);
      const { reliable, channel } = channels;
      const run = await throughput(client, {
        count: plan.count,
        size: plan.size,
        window: plan.window,
        reliable,
        channel,
        progress: (done) => bars.messages.update(done),
        signal: io.signal,
      });
      const bar = bars.roundTrips();
      const rtts = await roundTrips(
        client,
        plan.rounds,
        plan.size,
        reliable,
        channel,
        (done) => bar.update(done),
        io.signal,
      );
      bar.finish();
      const dropped = { ...client.stats.dropped };
      return { target: target!, run, rtts, losses: { retransmits, dropped } };
    } finally {
      await client.close();
    }
  } finally {
    await server?.close();
  }
}

/** The loss counters of a message run: resends, and the client's drops by reason. */
type Losses = { retransmits: number; dropped: Record<string, number> };

type BenchResult = {
  target: string;
  local: boolean;
  dialect: string;
  transport: string;
  size: number;
  window: number;
  mode: string;
  flush: string;
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
  losses: Losses;
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
    ["delivery mode", `${r.mode} (flush ${r.flush})`],
    ["resent", formatCount(r.losses.retransmits)],
    ["dropped", droppedText(r.losses.dropped)],
  ]));
}

function droppedText(dropped: Record<string, number>): string {
  const entries = Object.entries(dropped).filter(([, n]) => n > 0);
  return entries.length === 0 ? "0" : entries.map(([why, n]) => `${why} ${n}`).join(", ");
}
