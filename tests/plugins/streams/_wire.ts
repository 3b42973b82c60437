/**
 * A `StreamConnection` on a recording wire with a manual clock, for tests that feed it frames
 * directly: what a peer can send, including what no well-behaved peer would.
 *
 * @module
 */
import { StreamConnection } from "../../../plugins/streams/connection.ts";
import { decodeStreamCount, FrameType } from "../../../plugins/streams/frames.ts";
import { parseStreamsOptions, type StreamsOptions } from "../../../plugins/streams/options.ts";

/** One frame the connection sent. */
export interface SentFrame {
  /** Frame type. */
  type: number;
  /** Its payload (a copy). */
  payload: Uint8Array;
}

/** A connection and what it did. */
export interface WiredConnection {
  /** The connection under test. */
  conn: StreamConnection;
  /** Frames it sent, in order. */
  sent: SentFrame[];
  /** Reasons it gave for ending the session (empty while the peer behaves). */
  failures: string[];
  /** Feeds one frame as the next packet from the peer, then flushes. */
  receive(type: number, payload: Uint8Array): void;
  /** The counts of the MAX_STREAMS frames it sent for a direction. */
  maxStreams(uni: boolean): number[];
  /** Moves the clock to `at` and fires the timers due by then, in time order. */
  advance(at: number): void;
}

/** A server-side (or client-side) connection on a recording wire, at time 0. */
export function wiredConnection(options: StreamsOptions = {}, client = false): WiredConnection {
  const sent: SentFrame[] = [];
  const failures: string[] = [];
  let pn = 0;
  let peerPn = 0;
  let now = 0;
  const timers = new Map<string, { at: number; fire: () => void }>();
  const conn = new StreamConnection(
    {
      now: () => now,
      send(type, _customId, payload) {
        sent.push({ type, payload: payload.slice() });
        return pn++;
      },
      setTimer: (name, at, fire) => void timers.set(name, { at, fire }),
      fail: (reason) => void failures.push(reason),
    },
    parseStreamsOptions(options),
    client,
  );
  return {
    conn,
    sent,
    failures,
    receive(type, payload) {
      conn.handle(type, peerPn++, payload);
      conn.flush();
    },
    advance(at) {
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= at).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fire();
      }
      now = at;
    },
    maxStreams(uni) {
      return sent.filter((f) => f.type === FrameType.MAX_STREAMS)
        .map((f) => decodeStreamCount(f.payload))
        .filter((f) => f.uni === uni)
        .map((f) => f.count);
    },
  };
}
