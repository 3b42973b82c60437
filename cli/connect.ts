/**
 * `thing connect HOST:PORT`: connects, sends each stdin line as a reliable message (DATA_ACK in
 * the Connection dialect), prints what comes back, and says goodbye (DISCONNECT) on EOF or Ctrl-C.
 *
 * @module
 */
import { createInterface } from "node:readline";
import { connect as connectNode } from "../core/node.ts";
import { addressKey } from "../core/transport.ts";
import { aborted, type Command, commonOptions, shortId } from "./command.ts";
import { DialectFlag, flag, hostPort, TransportFlag, UsageError } from "./flags.ts";
import { dialects, transports } from "./registry.ts";

/** How long to wait after EOF for replies to the last lines, in ms. */
const LINGER_MS = 1_000;

/** The `connect` command. */
export const connect: Command = {
  summary: "connect to a server, send stdin lines, print replies",
  help: `Usage: thing connect HOST:PORT [flags]

  --dialect NAME      protocol dialect (default connection)
  --transport NAME    udp or tcp (default udp)
  --verbose           show stack traces of errors

Each line of standard input is sent as one reliable message; each message received is printed as
one line. End of input or Ctrl-C disconnects.`,
  options: {
    ...commonOptions,
    dialect: { type: "string", default: "connection" },
    transport: { type: "string", default: "udp" },
  },
  positionals: true,
  async run(values, positionals, io) {
    if (positionals.length !== 1) {
      throw new UsageError(
        `Invalid arguments ${JSON.stringify(positionals)}: expected one HOST:PORT`,
      );
    }
    const server = hostPort(positionals[0]);
    if (server.port === 0) {
      throw new UsageError(`Invalid port 0 in "${positionals[0]}": expected 1 to 65535`);
    }
    const dialect = flag("dialect", DialectFlag, values.dialect);
    const transport = flag("transport", TransportFlag, values.transport);
    const client = await connectNode({
      transport: transports[transport]!.create(),
      ...server,
      plugins: dialects[dialect]!.plugins({}),
    });
    const session = client.session;
    io.err(`connected to ${addressKey(server)} as session ${shortId(session.id)}`);
    let sent = 0;
    let received = 0;
    let caughtUp: (() => void) | undefined;
    client.on("message", ({ data }) => {
      io.out(new TextDecoder().decode(data));
      if (++received >= sent) caughtUp?.();
    });
    const sends = new Set<Promise<void>>();
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    lines.on("line", (line) => {
      sent++;
      const sending: Promise<void> = client.send(new TextEncoder().encode(line))
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
