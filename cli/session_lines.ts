/**
 * The session lines `thing serve` prints, shared by a plain server and each `--workers` thread:
 * one per session opened or closed, and one per error.
 *
 * @module
 */
import type { ThingNode } from "../core/node.ts";
import { addressKey } from "../core/transport.ts";
import { shortId } from "./command.ts";

/** Prints one event: `name` and `fields` as JSON, or `text` as a line. */
export type EventPrinter = (name: string, fields: Record<string, unknown>, text: string) => void;

/** Prints every session's opening and closing with `event`, and every error with `error`. */
export function printSessions(
  server: ThingNode,
  event: EventPrinter,
  error: (line: string) => void,
): void {
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
  server.on("error", ({ error: failure }) => error(`error: ${failure.message}`));
}
