/**
 * The streams plugin: QUIC-style reliable, ordered, multiplexed streams, unreliable datagrams,
 * loss recovery (RFC 9002), congestion control with pacing (a NewReno that lets random loss pass
 * by default, or RFC 9002's NewReno), flow control and connection
 * migration over any dialect's sessions. Applications use `streamSession(session)`, shaped like
 * WebTransport.
 *
 * @module
 */
export { streams, STREAMS_PLUGIN } from "./plugin.ts";
export {
  type CloseInfo,
  type DatagramDuplex,
  type MigrateEvent,
  StreamSession,
  streamSession,
} from "./stream_session.ts";
export type { BidirectionalStream } from "./web_stream.ts";
export { codeOf, StreamError, type StreamErrorCode } from "./errors.ts";
export {
  INITIAL_MAX_DATA,
  INITIAL_MAX_STREAM_DATA,
  type StreamsConfig,
  type StreamsOptions,
} from "./options.ts";
export {
  type CongestionController,
  type CongestionFactory,
  LossTolerantReno,
  lossTolerantReno,
  NewReno,
  newReno,
} from "../../reliability/mod.ts";
export type { ConnectionStats } from "./connection_stats.ts";
export { FrameType } from "./frames.ts";
