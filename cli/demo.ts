/**
 * `thing demo`: a server and a client on 127.0.0.1 (a random port) exchange a few messages both
 * ways and print a short transcript. What a new user runs first (`deno task demo`).
 *
 * @module
 */
import { connect, listen } from "../core/node.ts";
import { addressKey } from "../core/transport.ts";
import { type Command, commonOptions, shortId } from "./command.ts";
import { DialectFlag, flag, TransportFlag } from "./flags.ts";
import { dialects, transports } from "./registry.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

/** The `demo` command. */
export const demo: Command = {
  summary: "run a server and a client on 127.0.0.1 and show them talking",
  help: `Usage: thing demo [flags]

  --dialect NAME      protocol dialect (default connection)
  --transport NAME    udp or tcp (default udp)`,
  options: {
    ...commonOptions,
    dialect: { type: "string", default: "connection" },
    transport: { type: "string", default: "udp" },
  },
  async run(values, _positionals, io) {
    const dialect = flag("dialect", DialectFlag, values.dialect);
    const transport = flag("transport", TransportFlag, values.transport);
    const started = performance.now();
    const at = () => `${(performance.now() - started).toFixed(1).padStart(6)} ms`;
    const say = (who: "server" | "client", line: string) => io.out(`${at()}  ${who}  ${line}`);

    const server = await listen({
      transport: transports[transport]!.create(),
      hostname: "127.0.0.1",
      port: 0,
      plugins: dialects[dialect]!.plugins({}),
    });
    say("server", `listening on ${transport} ${addressKey(server.address)} (${dialect} dialect)`);
    server.on(
      "session",
      ({ session }) =>
        say("server", `session ${shortId(session.id)} open from ${addressKey(session.peer)}`),
    );
    server.on("message", ({ session, data, customId, reliable }) => {
      say("server", `got "${text(data)}" on channel ${customId}; echoing it back`);
      void session.send(bytes(text(data).toUpperCase()), { customId, reliable });
    });
    server.on(
      "close",
      ({ session, reason }) => say("server", `session ${shortId(session.id)} closed: ${reason}`),
    );

    const client = await connect({
      transport: transports[transport]!.create(),
      hostname: "127.0.0.1",
      port: server.address.port,
      plugins: dialects[dialect]!.plugins({}),
    });
    say("client", `connected: session ${shortId(client.session.id)} (HELLO answered by ACCEPT)`);
    const replies: string[] = [];
    client.on("message", ({ data, customId }) => {
      replies.push(text(data));
      say("client", `got "${text(data)}" on channel ${customId}`);
    });

    for (const message of ["hello", "how are you?"]) {
      const sent = performance.now();
      await client.send(bytes(message));
      say(
        "client",
        `sent "${message}" reliably; ACKed in ${(performance.now() - sent).toFixed(2)} ms`,
      );
    }
    await client.send(bytes("fire and forget"), { reliable: false, customId: 2 });
    say("client", `sent "fire and forget" unreliably on channel 2`);
    const serverSession = [...server.endpoint.sessions][0]!;
    await serverSession.send(bytes("the server can start a message too"), { customId: 1 });
    say("server", "sent a message of its own on channel 1; ACKed");

    const deadline = performance.now() + 2_000;
    while (replies.length < 4 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await client.close();
    say("client", `closed: ${client.session.closeReason} (DISCONNECT answered by REJECT)`);
    await server.close();
    say("server", "stopped");
    if (replies.length < 4) {
      io.err(`only ${replies.length} of 4 replies arrived`);
      return 1;
    }
    return 0;
  },
};
