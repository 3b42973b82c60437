/**
 * The streams plugin: QUIC-style reliable, ordered, multiplexed streams (bidirectional and
 * unidirectional, with stream limits and RFC 9218 priorities), unreliable datagrams, loss recovery
 * (RFC 9002), congestion control with pacing (a NewReno that lets random loss pass by default, or
 * RFC 9002's NewReno), flow control, path MTU discovery (RFC 8899) and connection migration over
 * any dialect's sessions. Applications use `streamSession(session)`, shaped like
 * WebTransport.
 *
 * @module
 */
export { streams, STREAMS_PLUGIN } from "./plugin.ts";
export {
  type CloseInfo,
  type DatagramDuplex,
  type MigrateEvent,
  type StreamOptions,
  StreamSession,
  streamSession,
} from "./stream_session.ts";
export type {
  BidirectionalStream,
  PrioritizedSend,
  ReceiveOnlyStream,
  SendOnlyStream,
} from "./web_stream.ts";
export { DEFAULT_PRIORITY, type StreamPriority } from "./stream.ts";
export { codeOf, StreamError, type StreamErrorCode } from "./errors.ts";
export {
  INITIAL_MAX_DATA,
  INITIAL_MAX_STREAM_DATA,
  INITIAL_MAX_STREAMS,
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
