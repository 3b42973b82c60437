/**
 * `thing relay LISTEN_PORT TARGET_HOST:PORT`: a UDP impairment proxy on loopback — a rate limit
 * with a tail-drop queue, loss (in bursts), duplication, reordering, corruption, delay, jitter and
 * a periodic blackhole, seeded so a run can be replayed — for watching an application on a bad
 * network where `netem` is missing.
 *
 * @module
 */
import * as v from "valibot";
import { addressKey } from "../core/transport.ts";
import { aborted, type Command, commonOptions, expectPositionals } from "./command.ts";
import {
  BlackholeFlag,
  CountFlag,
  DelayFlag,
  flag,
  HostFlag,
  hostPort,
  optionalFlag,
  PortFlag,
  ProbabilityFlag,
  SeedFlag,
  UsageError,
} from "./flags.ts";
import { jsonLine, table } from "./output.ts";
import { DEFAULT_QUEUE, type RelayCounts } from "./relay_model.ts";
import { startRelay } from "./relay_proxy.ts";

const bytesText = (min: number, what: string) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, `${what} from ${min} to 10^12`),
    v.transform(Number),
    v.number(),
    v.minValue(min, `${what} from ${min} to 10^12`),
    v.maxValue(1e12, `${what} from ${min} to 10^12`),
  );
/** `--rate BYTES_PER_S`: the bottleneck rate of each direction. */
const RateFlag = bytesText(1, "bytes per second");
/** `--queue BYTES`: what the bottleneck holds before it drops at the tail. */
const QueueFlag = bytesText(1, "a number of bytes");

/** The `relay` command. */
export const relay: Command = {
  summary: "a UDP proxy that rate-limits, loses, duplicates, reorders, corrupts and delays packets",
  help: `Usage: thing relay LISTEN_PORT TARGET_HOST:PORT [flags]

Listens on 127.0.0.1:LISTEN_PORT (0 for any) and forwards to TARGET_HOST:PORT, impairing both
directions alike (each with its own random stream):

  --rate BYTES_PER_S  a bottleneck: packets leave at this rate, all clients sharing it
  --queue BYTES       what the bottleneck holds before it drops new packets (default ${DEFAULT_QUEUE})
  --loss P            chance a packet is lost (0.05 or 5%)
  --burst N           each loss drops N packets in a row (default 1)
  --dup P             chance a packet arrives twice
  --reorder P         chance a packet is held back so later ones pass it
  --delay MS          one-way delay
  --jitter MS         extra delay, uniform in [0, MS)
  --corrupt P         chance one bit of a packet is flipped
  --blackhole ON/OFF  drop everything for ON ms after every OFF ms (e.g. 500/2000)
  --seed N            seed of every random decision (default 1): the same seed, the same fates
  --host HOST         address to listen on (default 127.0.0.1)
  --json              print the final counts as JSON

Ctrl-C stops and prints what the relay did.`,
  options: {
    ...commonOptions,
    rate: { type: "string" },
    queue: { type: "string" },
    loss: { type: "string" },
    burst: { type: "string" },
    dup: { type: "string" },
    reorder: { type: "string" },
    delay: { type: "string" },
    jitter: { type: "string" },
    corrupt: { type: "string" },
    blackhole: { type: "string" },
    seed: { type: "string", default: "1" },
    host: { type: "string", default: "127.0.0.1" },
    json: { type: "boolean" },
  },
  positionals: true,
  async run(values, positionals, io) {
    expectPositionals(positionals, 2, 2, "LISTEN_PORT TARGET_HOST:PORT");
    const port = flag("port", PortFlag, positionals[0]);
    const target = hostPort(positionals[1]);
    const hostname = flag("host", HostFlag, values.host);
    const p = (name: string) => optionalFlag(name, ProbabilityFlag, values[name]);
    if (values.queue !== undefined && values.rate === undefined) {
      throw new UsageError("Invalid --queue: it sizes the --rate bottleneck; pass --rate too");
    }
    const impairment = {
      seed: flag("seed", SeedFlag, values.seed),
      ...defined("rate", optionalFlag("rate", RateFlag, values.rate)),
      ...defined("queue", optionalFlag("queue", QueueFlag, values.queue)),
      ...defined("loss", p("loss")),
      ...defined("burst", optionalFlag("burst", CountFlag, values.burst)),
      ...defined("duplicate", p("dup")),
      ...defined("reorder", p("reorder")),
      ...defined("corrupt", p("corrupt")),
      ...defined("delay", optionalFlag("delay", DelayFlag, values.delay)),
      ...defined("jitter", optionalFlag("jitter", DelayFlag, values.jitter)),
      ...defined("blackhole", optionalFlag("blackhole", BlackholeFlag, values.blackhole)),
    };
    const relayed = await startRelay({ listen: { hostname, port }, target, impairment });
    const settings = Object.entries(impairment)
      .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join("/") : value}`)
      .join(", ");
    const json = values.json === true;
    if (json) {
      io.out(jsonLine({
        event: "relaying",
        listen: addressKey(relayed.address),
        target: addressKey(target),
        impairment,
      }));
    } else {
      io.out(
        `relaying udp ${addressKey(relayed.address)} -> ${
          addressKey(target)
        } (${settings}); Ctrl-C to stop`,
      );
    }
    await aborted(io.signal);
    await relayed.close();
    const { upstream, downstream } = relayed;
    if (json) {
      io.out(jsonLine({ event: "stopped", clients: relayed.clients, upstream, downstream }));
    } else {
      io.out(counts(upstream, downstream, relayed.clients));
    }
    return 0;
  },
};

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function counts(up: RelayCounts, down: RelayCounts, clients: number): string {
  const keys = Object.keys(up) as (keyof RelayCounts)[];
  return `stopped after ${clients} client(s)\n${
    table([
      ["packets", "client->target", "target->client"],
      ...keys.map((key) => [key, String(up[key]), String(down[key])]),
    ])
  }`;
}
