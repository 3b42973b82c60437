/**
 * A worker module for the workers tests and bench: an echo server in the dialect named by
 * `host.data.dialect`: `connection`, `thing` (with `host.data.identity`), or `quic` (the Thing
 * session layer and streams, with `host.data.identity`), which echoes every bidirectional stream
 * and follows migrating clients. A message starting with `CRASH` ends the worker with an uncaught
 * error.
 *
 * @module
 */
import type { Session } from "../../core/session.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { streamSession } from "../../plugins/streams/mod.ts";
import { type Identity, thing } from "../../plugins/thing/mod.ts";
import { quic } from "../../presets/quic/mod.ts";
import { defineWorker } from "../../workers/mod.ts";

/** A message starting with this byte makes the worker throw an uncaught error. */
export const CRASH = 0xee;

/** What the tests pass as `data`. */
export interface EchoWorkerData {
  dialect: "connection" | "thing" | "quic";
  identity?: Identity;
  /** Whether messages are sent back (default true; the bench turns it off). */
  echo?: boolean;
}

export default defineWorker(async (host) => {
  const { dialect, identity, echo = true } = host.data as EchoWorkerData;
  if (dialect === "quic") {
    const server = await host.listen({ plugins: quic({ thing: { identity: identity! } }).plugins });
    server.on("session", ({ session }) => void echoStreams(session).catch(() => {}));
    return;
  }
  const plugins = dialect === "thing" ? thing({ identity: identity! }) : connection();
  const server = await host.listen({ plugins });
  if (!echo) return;
  server.on("message", ({ session, data, customId, reliable }) => {
    if (data[0] === CRASH) {
      setTimeout(() => {
        throw new Error("crash requested");
      });
    }
    session.send(data, { customId, reliable }).catch(() => {});
  });
});

async function echoStreams(session: Session): Promise<void> {
  const reader = streamSession(session).incomingBidirectionalStreams.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    next.value.readable.pipeTo(next.value.writable).catch(() => {});
  }
}
