/**
 * `thing demo`: a server and a client on 127.0.0.1 (a random port) exchange a few messages both
 * ways and print a short transcript. What a new user runs first (`deno task demo`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { addressKey } from "../core/transport.ts";
import { type Command, commonOptions, shortId } from "./command.ts";
import { generateIdentity } from "../plugins/thing/mod.ts";
import {
  endpointChoice,
  endpointHelp,
  endpointOptions,
  messagesOnly,
  startClient,
  startServer,
} from "./endpoints.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

/** The `demo` command. */
export const demo: Command = {
  summary: "run a server and a client on 127.0.0.1 and show them talking",
  help: `Usage: thing demo [flags]

${endpointHelp}
  --json              print the transcript as JSON lines {"ms", "who", "text"}`,
  options: {
    ...commonOptions,
    ...endpointOptions,
    json: { type: "boolean" },
  },
  async run(values, _positionals, io) {
    const choice = endpointChoice(values);
    messagesOnly(choice);
    const { dialect, transport, entry } = choice;
    const reliable = entry.reliable;
    const identity = entry.identity ? generateIdentity() : undefined;
    const words = identity === undefined
      ? { hello: "HELLO answered by ACCEPT", bye: "DISCONNECT answered by REJECT" }
      : { hello: "CHI to SHF, server key pinned", bye: "CGB answered by SGB, then CFL" };
    const started = performance.now();
    const at = () => `${(performance.now() - started).toFixed(1).padStart(6)} ms`;
    const say = (who: "server" | "client", line: string) =>
      io.out(
        values.json === true
          ? JSON.stringify({
            ms: Number((performance.now() - started).toFixed(1)),
            who,
            text: line,
          })
          : `${at()}  ${who}  ${line}`,
      );

    const server = await startServer(choice, { hostname: "127.0.0.1", port: 0 }, { identity });
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

    const pin = identity === undefined
      ? {}
      : { "server-key": Buffer.from(identity.publicKey).toString("base64url") };
    const client = await startClient(
      choice,
      { hostname: "127.0.0.1", port: server.address.port },
      { "connect-timeout": "5000", ...pin },
      io,
    );
    say("client", `connected: session ${shortId(client.session.id)} (${words.hello})`);
    const replies: string[] = [];
    client.on("message", ({ data, customId }) => {
      replies.push(text(data));
      say("client", `got "${text(data)}" on channel ${customId}`);
    });

    for (const message of ["hello", "how are you?"]) {
      const sent = performance.now();
      await client.send(bytes(message), { reliable });
      say(
        "client",
        reliable
          ? `sent "${message}" reliably; ACKed in ${(performance.now() - sent).toFixed(2)} ms`
          : `sent "${message}" (this dialect has no ACKs)`,
      );
    }
    await client.send(bytes("fire and forget"), { reliable: false, customId: 2 });
    say("client", `sent "fire and forget" unreliably on channel 2`);
    const serverSession = [...server.endpoint.sessions][0]!;
    await serverSession.send(bytes("the server can start a message too"), {
      customId: 1,
      reliable,
    });
    say("server", `sent a message of its own on channel 1${reliable ? "; ACKed" : ""}`);

    const deadline = performance.now() + 2_000;
    while (replies.length < 4 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await client.close();
    say("client", `closed: ${client.session.closeReason} (${words.bye})`);
    await server.close();
    say("server", "stopped");
    if (replies.length < 4) {
      io.err(`only ${replies.length} of 4 replies arrived`);
      return 1;
    }
    return 0;
  },
};
