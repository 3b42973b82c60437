/**
 * The worker module of `thing serve --workers`: one worker's server, built from the flags the
 * supervisor checked, logging one line per session event as `thing serve` does (prefixed with
 * the worker's index).
 *
 * @module
 */
import { addressKey } from "../core/transport.ts";
import type { Identity } from "../plugins/thing/mod.ts";
import { defineWorker } from "../workers/mod.ts";
import { shortId } from "./command.ts";
import { dialects } from "./registry.ts";

/** What the supervisor passes each worker. */
export interface ServeWorkerData {
  /** A `dialects` name. */
  dialect: string;
  /** `--timeout`, if given. */
  timeout?: number;
  /** The server identity (thing, hybrid). */
  identity?: Identity;
  /** Whether to send messages back. */
  echo: boolean;
  /** Whether to print session events as JSON lines. */
  json: boolean;
}

export default defineWorker(async (host) => {
  const data = host.data as ServeWorkerData;
  const entry = dialects[data.dialect]!;
  const server = await host.listen({
    plugins: entry.plugins({
      ...(data.timeout === undefined ? {} : { timeout: data.timeout }),
      ...(data.identity === undefined ? {} : { identity: data.identity }),
    }),
  });
  const worker = host.index;
  const event = (name: string, fields: Record<string, unknown>, text: string) =>
    console.log(
      data.json ? JSON.stringify({ event: name, worker, ...fields }) : `[worker ${worker}] ${text}`,
    );
  server.on("session", ({ session }) =>
    event(
      "open",
      { session: session.id, peer: addressKey(session.peer) },
      `session ${shortId(session.id)} open from ${addressKey(session.peer)}`,
    ));
  server.on("close", ({ session, reason }) =>
    event(
      "close",
      { session: session.id, reason },
      `session ${shortId(session.id)} closed: ${reason}`,
    ));
  server.on("error", ({ error }) => console.error(`[worker ${worker}] error: ${error.message}`));
  if (data.echo) {
    server.on("message", ({ session, data: bytes, customId, reliable }) => {
      session.send(bytes, { customId, reliable }).catch(() => {});
    });
  }
});
