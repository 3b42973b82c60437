/**
 * Options of the streams plugin, their defaults, and the protocol constants both peers assume
 * before any flow-control frame has been exchanged.
 *
 * @module
 */
import { HEADER_SIZE, MAX_PAYLOAD_SIZE } from "../../core/packet.ts";
import { type CongestionFactory, lossTolerantReno } from "../../reliability/mod.ts";
import { STREAM_HEADER_SIZE } from "./frames.ts";

/** Session flow credit every peer may use before the first MAX_DATA (protocol constant). */
export const INITIAL_MAX_DATA = 1_048_576;
/** Per-stream flow credit every peer may use before the first MAX_STREAM_DATA (protocol constant). */
export const INITIAL_MAX_STREAM_DATA = 262_144;

/** Options of `streams()`. Sizes are bytes, times milliseconds. */
export interface StreamsOptions {
  /** Largest UDP payload (whole Thing packet: 64-byte header + payload) to send (default 1,200). */
  packetSize?: number;
  /** Bytes that plugins nearer the wire add to each payload, e.g. 16 for an AEAD tag (default 0). */
  overhead?: number;
  /** Receive window per stream: bytes buffered for a slow reader at most (default 2 MiB). */
  streamWindow?: number;
  /** Receive window of the whole session (default 8 MiB). */
  sessionWindow?: number;
  /** Bytes a stream's writer may buffer before `write()` waits (default 2 MiB). */
  sendBuffer?: number;
  /** Send an ACK after this many ack-eliciting packets (default 2). */
  ackEvery?: number;
  /** Longest an ACK is held back (default 10); also assumed of the peer. */
  maxAckDelay?: number;
  /** RTT assumed before the first sample (default 100). */
  initialRtt?: number;
  /** Congestion controller (default `lossTolerantReno`; `newReno` is the RFC 9002 one). */
  congestion?: CongestionFactory;
  /** Received datagrams queued for the application before new ones are dropped (default 256). */
  datagramQueue?: number;
  /** Path validation attempts before a migration is abandoned (default 5). */
  pathAttempts?: number;
}

/** Options after validation, with defaults filled in. */
export interface StreamsConfig {
  /** Largest packet on the wire. */
  packetSize: number;
  /** Bytes added by lower plugins. */
  overhead: number;
  /** Largest frame payload this plugin writes. */
  maxFrame: number;
  /** Largest STREAM frame data. */
  maxStreamData: number;
  /** Per-stream receive window. */
  streamWindow: number;
  /** Session receive window. */
  sessionWindow: number;
  /** Per-stream send buffer. */
  sendBuffer: number;
  /** Packets per ACK. */
  ackEvery: number;
  /** Max ACK delay. */
  maxAckDelay: number;
  /** Initial RTT. */
  initialRtt: number;
  /** Congestion controller factory. */
  congestion: CongestionFactory;
  /** Datagram queue length. */
  datagramQueue: number;
  /** Path validation attempts. */
  pathAttempts: number;
}

function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot use ${name} '${value}': pass an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validates options and fills in defaults. Throws `RangeError` on a bad value. */
export function parseStreamsOptions(options: StreamsOptions = {}): StreamsConfig {
  const overhead = integer("overhead", options.overhead, 0, 0, 1024);
  const minPacket = HEADER_SIZE + overhead + STREAM_HEADER_SIZE + 128;
  const packetSize = integer(
    "packetSize",
    options.packetSize,
    1200,
    minPacket,
    HEADER_SIZE + MAX_PAYLOAD_SIZE,
  );
  const maxFrame = packetSize - HEADER_SIZE - overhead;
  const big = 2 ** 40;
  const streamWindow = integer(
    "streamWindow",
    options.streamWindow,
    2 * 1_048_576,
    INITIAL_MAX_STREAM_DATA,
    big,
  );
  const sessionWindow = integer(
    "sessionWindow",
    options.sessionWindow,
    8 * 1_048_576,
    INITIAL_MAX_DATA,
    big,
  );
  const congestion = options.congestion ?? lossTolerantReno;
  if (typeof congestion !== "function") {
    throw new TypeError("Cannot use congestion: pass a function (maxDatagram) => controller");
  }
  return {
    packetSize,
    overhead,
    maxFrame,
    maxStreamData: maxFrame - STREAM_HEADER_SIZE,
    streamWindow,
    sessionWindow,
    sendBuffer: integer("sendBuffer", options.sendBuffer, 2 * 1_048_576, 1, big),
    ackEvery: integer("ackEvery", options.ackEvery, 2, 1, 64),
    maxAckDelay: integer("maxAckDelay", options.maxAckDelay, 10, 1, 1000),
    initialRtt: integer("initialRtt", options.initialRtt, 100, 1, 10_000),
    congestion,
    datagramQueue: integer("datagramQueue", options.datagramQueue, 256, 1, 65_536),
    pathAttempts: integer("pathAttempts", options.pathAttempts, 5, 1, 100),
  };
}
