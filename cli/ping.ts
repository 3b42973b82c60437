/**
 * `thing ping HOST:PORT`: times acknowledged messages (a DATA_ACK and its ACK) to a server and
 * prints each round trip and a summary, like `ping`.
 *
 * Why DATA_ACK and not PING/PONG: PING/PONG is the Connection session plugin's own keepalive — it
 * carries nothing to match a PONG to its PING, the client already sends one every second, and
 * timing it would mean reaching into the plugin. A DATA_ACK round trip is the public `send()`
 * contract (it resolves on the ACK), is answered by the server's data plugin without any
 * application code (so `serve --no-echo` answers too), and works the same in the hybrid dialect,
 * where the keepalive is CHB/SUU. Each ping is sent once (no retransmission), so a lost DATA_ACK
 * or ACK shows as loss after one retransmission timeout, as a lost ICMP echo would.
 *
 * @module
 */
import { TimeoutError } from "../core/errors.ts";
import { addressKey } from "../core/transport.ts";
import { aborted, type Command, commonOptions } from "./command.ts";
import {
  clientHelp,
  clientOptions,
  endpointChoice,
  endpointHelp,
  endpointOptions,
  messagesOnly,
  serverAddress,
  startClient,
} from "./endpoints.ts";
import { CountFlag, flag, MillisecondsFlag, optionalFlag, SizeFlag, UsageError } from "./flags.ts";
import { formatMs, jsonLine, paint } from "./output.ts";
import { summarize } from "./stats.ts";

/** Custom ID pings travel on, so an echoing server's copies are told apart from app traffic. */
const PING_CHANNEL = 0xfffe;

/** The `ping` command. */
export const ping: Command = {
  summary: "time acknowledged round trips to a server (DATA_ACK → ACK), like ping",
  help: `Usage: thing ping HOST:PORT [-c N] [--interval MS] [flags]

  -c, --count N       stop after N pings (default: until Ctrl-C)
  --interval MS       time between pings (default 1000)
  --size BYTES        payload size (default 56, at least 8)
${endpointHelp}
${clientHelp}
  --json              print one JSON summary instead of lines

Each ping is one DATA_ACK sent once; its ACK ends the round trip. Needs a dialect with
acknowledgements (connection or hybrid). Exits 1 when no ping was answered.`,
  options: {
    ...commonOptions,
    ...endpointOptions,
    ...clientOptions,
    count: { type: "string", short: "c" },
    interval: { type: "string", default: "1000" },
    size: { type: "string", default: "56" },
    json: { type: "boolean" },
  },
  positionals: true,
  async run(values, positionals, io) {
    const server = serverAddress(positionals);
    const choice = endpointChoice(values);
    messagesOnly(choice);
    const count = optionalFlag("count", CountFlag, values.count) ?? Infinity;
    const interval = flag("interval", MillisecondsFlag, values.interval);
    const size = flag("size", SizeFlag, values.size);
    if (size < 8) throw new UsageError(`Invalid --size "${size}": expected at least 8 bytes`);
    if (!choice.entry.reliable) {
      throw new UsageError(
        `Invalid --dialect "${choice.dialect}" for ping: it has no acknowledged messages; use connection or hybrid`,
      );
    }
    const json = values.json === true;
    const c = paint(io.tty.out);
    const target = addressKey(server);
    const client = await startClient(choice, server, values, io, { data: { maxRetransmits: 0 } });
    if (!json) {
      io.out(`PING ${target} (${choice.dialect} over ${choice.transport}): ${size} bytes`);
    }
    const rtts: (number | null)[] = [];
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    let sent = 0;
    const send = (seq: number) => {
      const payload = new Uint8Array(size);
      new DataView(payload.buffer).setFloat64(0, seq);
      const at = performance.now();
      sent++;
      const done: Promise<void> = client.send(payload, { customId: PING_CHANNEL }).then(
        () => {
          const rtt = performance.now() - at;
          rtts[seq - 1] = rtt;
          if (!json) {
            io.out(`${size} bytes from ${target}: seq=${seq} time=${c.green(formatMs(rtt))}`);
          }
        },
        (error: Error) => {
          rtts[seq - 1] = null;
          if (json) return;
          const waited = formatMs(performance.now() - at);
          const why = error instanceof TimeoutError ? `no ACK within ${waited}` : error.message;
          io.out(`seq=${seq} ${c.red("lost")} (${why})`);
        },
      ).finally(() => inFlight.delete(done));
      inFlight.add(done);
    };
    const stop = aborted(io.signal);
    for (
      let seq = 1;
      seq <= count && !io.signal.aborted && client.session.state === "open";
      seq++
    ) {
      send(seq);
      if (seq < count) await Promise.race([stop, delay(interval)]);
    }
    await Promise.race([Promise.allSettled([...inFlight]), stop]);
    const elapsed = performance.now() - started;
    await client.close();
    const answered = rtts.filter((rtt): rtt is number => typeof rtt === "number");
    const summary = summarize(answered);
    const loss = sent === 0 ? 0 : (sent - answered.length) / sent;
    if (json) {
      io.out(jsonLine({
        target,
        dialect: choice.dialect,
        transport: choice.transport,
        size,
        sent,
        received: answered.length,
        loss,
        timeMs: elapsed,
        rttMs: {
          min: summary.min,
          avg: summary.avg,
          max: summary.max,
          p50: summary.p50,
          p99: summary.p99,
        },
        replies: Array.from({ length: sent }, (_, i) => ({ seq: i + 1, rttMs: rtts[i] ?? null })),
      }));
    } else {
      const f = (ms: number) => ms.toFixed(3);
      io.out(`--- ${target} thing ping statistics ---`);
      io.out(
        `${sent} sent, ${answered.length} received, ${(loss * 100).toFixed(1)}% loss, time ${
          elapsed.toFixed(0)
        } ms`,
      );
      if (answered.length > 0) {
        io.out(
          `rtt min/avg/max/p99 = ${f(summary.min)}/${f(summary.avg)}/${f(summary.max)}/${
            f(summary.p99)
          } ms`,
        );
      }
    }
    return answered.length > 0 ? 0 : 1;
  },
};

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
