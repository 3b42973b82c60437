/**
 * The messages between the supervisor and its worker threads. A message with `to` is relayed by
 * the supervisor to that worker, with `from` set to the sender.
 *
 * @module
 */
import type { PeerAddress } from "../core/transport.ts";

/** A packet received by a worker that does not own its client ID, for the owner to handle. */
export interface ForwardMessage {
  t: "forward";
  to: number;
  from?: number;
  bytes: Uint8Array;
  peer: PeerAddress;
  /** The peer is a stream connection held by `from`: replies go back through it. */
  stream: boolean;
}

/** The owner of a stream session asks the worker holding its connection to send or drop it. */
export interface PeerMessage {
  t: "send" | "disconnect" | "peer-closed";
  to: number;
  from?: number;
  peer: PeerAddress;
  bytes?: Uint8Array;
}

/** A worker's counters. */
export interface WorkerStats {
  /** The worker's index (0..workers − 1). */
  index: number;
  /** Sessions on this worker. */
  sessions: number;
  /** Packets received from the network (forwarded ones not included). */
  packetsIn: number;
  /** Packets sent on to the worker owning their client ID. */
  forwardedOut: number;
  /** Packets other workers forwarded here. */
  forwardedIn: number;
  /** Packets not handled: their owner moved while they were forwarded, or the directory was full. */
  unroutable: number;
}

/** An HTTP request or response as it crosses between threads. */
export interface WireHttp {
  /** The request's method; absent on a response. */
  method?: string;
  /** The request's URL; absent on a response. */
  url?: string;
  /** The response's status; absent on a request. */
  status?: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** Supervisor → worker. */
export type ToWorker =
  | ForwardMessage
  | PeerMessage
  | { t: "stats"; id: number }
  | { t: "request"; id: number; request: WireHttp }
  | { t: "close" };

/** Worker → supervisor. */
export type FromWorker =
  | ForwardMessage
  | PeerMessage
  | { t: "listening"; address: PeerAddress }
  | { t: "failed"; message: string }
  | { t: "stats"; id: number; stats: WorkerStats }
  | { t: "response"; id: number; response: WireHttp }
  | { t: "closed" };

/** What the supervisor hands each worker thread at start (its `workerData`). */
export interface WorkerBoot {
  /** Marks a thread started by `serveWorkers()`. */
  thingWorker: true;
  index: number;
  count: number;
  module: string;
  transport: "udp" | "tcp";
  hostname: string;
  port: number;
  directory: SharedArrayBuffer;
  data: unknown;
}
