/**
 * `thing serve`: runs a server — by default an echo server that sends every message back to its
 * sender as the same kind of packet on the same custom ID — and logs one line per session event.
 *
 * @module
 */
import { listen } from "../core/node.ts";
import { addressKey } from "../core/transport.ts";
import { aborted, type Command, commonOptions, shortId } from "./command.ts";
import { DialectFlag, flag, HostFlag, MillisecondsFlag, PortFlag, TransportFlag } from "./flags.ts";
import { dialects, transports } from "./registry.ts";

/** The `serve` command. */
export const serve: Command = {
  summary: "run a server (an echo server unless --no-echo)",
  help: `Usage: thing serve [flags]

  --dialect NAME      protocol dialect (default connection)
  --transport NAME    udp or tcp (default udp)
  --host HOST         address to bind (default 127.0.0.1)
  --port PORT         port to bind, 0 for any (default 7777)
  --timeout MS        session idle timeout in ms (default 15000)
  --no-echo           do not send messages back
  --verbose           show stack traces of errors`,
  options: {
    ...commonOptions,
    dialect: { type: "string", default: "connection" },
    transport: { type: "string", default: "udp" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "7777" },
    timeout: { type: "string" },
    "no-echo": { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const dialect = flag("dialect", DialectFlag, values.dialect);
    const transport = flag("transport", TransportFlag, values.transport);
    const hostname = flag("host", HostFlag, values.host);
    const port = flag("port", PortFlag, values.port);
    const timeout = values.timeout === undefined
      ? undefined
      : flag("timeout", MillisecondsFlag, values.timeout);
    const echo = values["no-echo"] !== true;
    const server = await listen({
      transport: transports[transport]!.create(),
      hostname,
      port,
      plugins: dialects[dialect]!.plugins({ timeout }),
    });
    const where = (peer: { hostname: string; port: number }) => addressKey(peer);
    server.on(
      "session",
      ({ session }) => io.out(`session ${shortId(session.id)} open from ${where(session.peer)}`),
    );
    server.on(
      "close",
      ({ session, reason }) => io.out(`session ${shortId(session.id)} closed: ${reason}`),
    );
    server.on("error", ({ error }) => io.err(`error: ${error.message}`));
    if (echo) {
      server.on("message", ({ session, data, customId, reliable }) => {
        session.send(data, { customId, reliable }).catch((error: Error) =>
          io.err(`echo to ${shortId(session.id)} failed: ${error.message}`)
        );
      });
    }
    io.out(
      `listening on ${transport} ${where(server.address)} (dialect ${dialect}, echo ${
        echo ? "on" : "off"
      }); Ctrl-C to stop`,
    );
    await aborted(io.signal);
    await server.close();
    io.out("stopped");
    return 0;
  },
};
