/**
 * `GET /events`: session events and a periodic `stats` event as server-sent events.
 *
 * Events: `session`, `suspend`, `resume` and `close` carry a session as JSON (plus `reason` for
 * `suspend` and `close`); `stats` carries `{ at, packetsIn, packetsOut, bytesIn, bytesOut,
 * sessions }` (`at` in real wall-clock ms, as the ticks are real), first at once and then every `interval` ms.
 *
 * @module
 */
import type { Context } from "hono";
import { type SSEMessage, streamSSE } from "hono/streaming";
import type { Endpoint } from "../../core/endpoint.ts";
import type { ThingMetrics } from "../metrics/mod.ts";
import { sessionJson } from "./session_json.ts";

/** What the event stream reads and how often it ticks. */
export interface EventStreamOptions {
  /** The endpoint whose events are streamed. */
  endpoint: Endpoint;
  /** Adds session figures to session events. */
  metrics?: ThingMetrics;
  /** Milliseconds between `stats` events. */
  interval: number;
  /** Ends every stream when aborted (the admin server is closing). */
  signal?: AbortSignal;
}

/** Events a slow reader may have queued before the stream gives up on it. */
const MAX_QUEUED = 1000;

/** Answers one `GET /events` request with a stream that lasts until the client leaves. */
export function eventStream(c: Context, options: EventStreamOptions): Response {
  const { endpoint, metrics, interval, signal } = options;
  return streamSSE(c, async (stream) => {
    const queue: SSEMessage[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const end = () => {
      ended = true;
      wake?.();
    };
    const push = (message: SSEMessage) => {
      if (queue.length >= MAX_QUEUED) return end();
      queue.push(message);
      wake?.();
    };
    const json = (event: string, data: unknown) => push({ event, data: JSON.stringify(data) });
    const stats = () => {
      const { packetsIn, packetsOut, bytesIn, bytesOut } = endpoint.stats;
      const at = Date.now();
      json("stats", {
        at,
        packetsIn,
        packetsOut,
        bytesIn,
        bytesOut,
        sessions: endpoint.sessions.size,
      });
    };
    const unsubscribe = [
      endpoint.on("session", ({ session }) => json("session", sessionJson(session, metrics))),
      endpoint.on("resume", ({ session }) => json("resume", sessionJson(session, metrics))),
      endpoint.on(
        "suspend",
        ({ session, reason }) => json("suspend", { ...sessionJson(session, metrics), reason }),
      ),
      endpoint.on(
        "close",
        ({ session, reason }) => json("close", { ...sessionJson(session), reason }),
      ),
    ];
    stream.onAbort(end);
    signal?.addEventListener("abort", end, { once: true });
    const ticker = setInterval(stats, interval);
    stats();
    try {
      while (!ended && !signal?.aborted) {
        for (let message = queue.shift(); message; message = queue.shift()) {
          await stream.writeSSE(message);
        }
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      clearInterval(ticker);
      for (const off of unsubscribe) off();
      signal?.removeEventListener("abort", end);
    }
  });
}
