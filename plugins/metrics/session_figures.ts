/**
 * What the metrics plugin keeps per session.
 *
 * @module
 */

/** Round-trip times of one session, in milliseconds. */
export interface RttFigures {
  /** The latest sample. */
  last: number;
  /** The smallest sample. */
  min: number;
  /** The smoothed RTT (RFC 6298: 7/8 of the previous value plus 1/8 of the sample). */
  smoothed: number;
  /** How many samples. */
  samples: number;
}

/** What one session has done so far. */
export interface SessionFigures {
  /** Packets received on it. */
  packetsIn: number;
  /** Packets sent on it. */
  packetsOut: number;
  /** Bytes received on it (header included). */
  bytesIn: number;
  /** Bytes sent on it (header included). */
  bytesOut: number;
  /** Packets resent on it. */
  retransmissions: number;
  /** Round-trip times, once measured. */
  rtt: RttFigures | undefined;
  /** When its handshake completed (wall-clock ms), if it did. */
  openedAt: number | undefined;
  /** When it last sent or received a packet (wall-clock ms). */
  lastActivity: number;
}

/** Fresh figures of a session first seen at `now` (wall-clock ms). */
export function emptyFigures(now: number): SessionFigures {
  return {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    retransmissions: 0,
    rtt: undefined,
    openedAt: undefined,
    lastActivity: now,
  };
}

/** The RTT figures after one more sample of `rtt` ms. */
export function nextRtt(previous: RttFigures | undefined, rtt: number): RttFigures {
  return previous
    ? {
      last: rtt,
      min: Math.min(previous.min, rtt),
      smoothed: previous.smoothed * 7 / 8 + rtt / 8,
      samples: previous.samples + 1,
    }
    : { last: rtt, min: rtt, smoothed: rtt, samples: 1 };
}
