/**
 * `thing connect HOST:PORT`: connects, sends each stdin line as a message (on the channel of
 * `--channel MODE`, reliable-ordered by default, where the dialect has channels; else DATA_NOACK),
 * prints what comes back, and says goodbye
 * (DISCONNECT, or CGB in the thing dialects) on EOF or Ctrl-C.
 *
 * @module
 */
import { createInterface } from "node:readline";
import { addressKey } from "../core/transport.ts";
import { aborted, type Command, commonOptions, shortId } from "./command.ts";
import {
  clientHelp,
  clientOptions,
  endpointChoice,
  endpointHelp,
  endpointOptions,
  messagesOnly,
  startClient,
} from "./endpoints.ts";
import { failoverServers } from "./connect_failover.ts";
import { channelChoice, channelHelp, channelOptions } from "./channel_flags.ts";

/** How long to wait after EOF for replies to the last lines, in ms. */
const LINGER_MS = 1_000;

/** The `connect` command. */
export const connect: Command = {
  summary: "connect to a server, send stdin lines, print replies",
  help: `Usage: thing connect HOST:PORT[,HOST:PORT…] [flags]

${endpointHelp}
${clientHelp}
${channelHelp}
  --json              print each message received as {"customId", "data"}
  --verbose           show stack traces of errors

Each line of standard input is sent as one message (in the connection and hybrid dialects on the
reliable-ordered channel 0 unless --channel says otherwise, so lines arrive in the order typed);
each message received is printed as one line. End of input or Ctrl-C
disconnects. With several servers of a cluster (connection dialect), a client whose server goes
silent re-establishes on the next one; lines it sent that were never ACKed are reported.`,
  options: {
    ...commonOptions,
    ...endpointOptions,
    ...clientOptions,
    ...channelOptions,
    json: { type: "boolean" },
  },
  positionals: true,
  async run(values, positionals, io) {
    const choice = endpointChoice(values);
    const { server, plugins } = failoverServers(positionals, choice, io);
    messagesOnly(choice);
    const json = values.json === true;
    const { channel, reliable, data } = channelChoice(values, choice);
    const client = await startClient(choice, server, values, io, { data }, plugins);
    const session = client.session;
    io.err(`connected to ${addressKey(server)} as session ${shortId(session.id)}`);
    let sent = 0;
    let received = 0;
    let caughtUp: (() => void) | undefined;
    client.on("message", ({ data, customId }) => {
      const text = new TextDecoder().decode(data);
      io.out(json ? JSON.stringify({ customId, data: text }) : text);
      if (++received >= sent) caughtUp?.();
    });
    const sends = new Set<Promise<void>>();
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    lines.on("line", (line) => {
      sent++;
      const sending: Promise<void> = client.send(new TextEncoder().encode(line), {
        reliable,
        channel,
      })
        .catch((error: Error) => io.err(`send failed: ${error.message}`))
        .finally(() => sends.delete(sending));
      sends.add(sending);
    });
    const eof = new Promise<"eof">((resolve) => lines.once("close", () => resolve("eof")));
    const outcome = await Promise.race([
      eof,
      aborted(io.signal).then(() => "signal" as const),
      session.closed.then(() => "closed" as const),
    ]);
    lines.close();
    if (outcome === "closed") {
      io.err(`session closed: ${session.closeReason ?? "unknown"}`);
      await client.close();
      return 1;
    }
    if (outcome === "eof") {
      await Promise.allSettled([...sends]);
      if (received < sent && session.state === "open") {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          caughtUp = resolve;
          timer = setTimeout(resolve, LINGER_MS);
        });
        clearTimeout(timer);
      }
    }
    await client.close();
    io.err(`disconnected (${session.closeReason ?? "closed"})`);
    return 0;
  },
};
