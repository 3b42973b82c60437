/**
 * The runtime-neutral half of a TCP link: peers, framing, backpressure and lifecycle. Each binding
 * supplies only socket plumbing through `StreamConn` and reports bytes through `ConnSink`.
 *
 * @module
 */

import { TransportError } from "../../core/errors.ts";
import {
  addressKey,
  type Link,
  type LinkHandlers,
  type PeerAddress,
} from "../../core/transport.ts";
import { checkBuffered, checkSend } from "../_limits.ts";
import { asError, deliver, report, reportPeerClosed } from "../_runtime.ts";
import { FrameReader } from "./frame_reader.ts";

/** One connected byte stream, as a binding exposes it. */
export interface StreamConn {
  /** The far end. */
  readonly remote: PeerAddress;
  /** Bytes written but not yet taken by the OS (counts toward the buffer limits). */
  readonly buffered: number;
  /** Queues `bytes` behind earlier writes (kept by reference). */
  write(bytes: Uint8Array): void;
  /** Resolves at the next write progress, or when the connection ends. */
  progress(): Promise<void>;
  /** Closes now, dropping queued bytes; the binding then calls `ConnSink.closed()`. */
  destroy(): void;
}

/** What a binding reports about a connection it handed to `StreamLink.attach()`. */
export interface ConnSink {
  /** Bytes arrived; `chunk` may be reused once this returns. */
  data(chunk: Uint8Array): void;
  /** The connection is gone, cleanly (`error` undefined) or not. */
  closed(error?: unknown): void;
}

/** Buffer and size limits of a stream link. */
export interface StreamLimits {
  /** The largest packet `send` accepts and the reader allows. */
  maxPacketSize: number;
  /** `ready(peer)` waits while more than this many bytes are buffered for `peer`. */
  highWaterMark: number;
  /** `send` throws rather than buffer more than this for one peer. */
  maxBufferedBytes: number;
}

interface Peer {
  conn: StreamConn;
  address: PeerAddress;
  reader: FrameReader;
  open: boolean;
  dropped: boolean;
}

/** A `Link` over any number of stream connections (one for a client link). */
export class StreamLink implements Link {
  readonly kind = "stream" as const;
  readonly maxPacketSize: number;
  readonly localAddress: PeerAddress;
  #limits: StreamLimits;
  #handlers: LinkHandlers;
  #peers = new Map<string, Peer>();
  #server: { dialed: PeerAddress; peer: Peer } | undefined;
  #shutdown: () => Promise<void>;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * @param localAddress the bound (server) or local (client) address
   * @param shutdown stops accepting and releases the listener; connections are destroyed here
   */
  constructor(
    localAddress: PeerAddress,
    limits: StreamLimits,
    handlers: LinkHandlers,
    shutdown: () => Promise<void>,
  ) {
    this.localAddress = localAddress;
    this.maxPacketSize = limits.maxPacketSize;
    this.#limits = limits;
    this.#handlers = handlers;
    this.#shutdown = shutdown;
  }

  /** Adds a connection; a client link calls this once with the address it dialed. */
  attach(conn: StreamConn, dialed?: PeerAddress): ConnSink {
    const peer: Peer = {
      conn,
      address: conn.remote,
      reader: new FrameReader(this.#limits.maxPacketSize),
      open: true,
      dropped: false,
    };
    if (this.#closed) conn.destroy();
    else this.#peers.set(addressKey(conn.remote), peer);
    if (dialed) this.#server = { dialed, peer };
    const emit = (packet: Uint8Array) => deliver(this.#handlers, packet, peer.address);
    return {
      data: (chunk) => {
        if (!peer.open || peer.dropped) return;
        try {
          peer.reader.push(chunk, emit);
        } catch (error) {
          this.#drop(peer, error);
        }
      },
      closed: (error) => this.#ended(peer, error),
    };
  }

  send(bytes: Uint8Array, peer: PeerAddress): void {
    checkSend("tcp", this.#closed, bytes, this.maxPacketSize);
    const target = this.#find(peer);
    if (!target.open) {
      throw new TransportError(
        "THING_ERR_CLOSED",
        `Cannot send to '${addressKey(target.address)}': the connection closed; connect again`,
      );
    }
    checkBuffered(
      target.address,
      target.conn.buffered,
      bytes.length,
      this.#limits.maxBufferedBytes,
    );
    target.conn.write(bytes);
  }

  async ready(peer: PeerAddress): Promise<void> {
    const target = this.#find(peer);
    while (target.open && !this.#closed && target.conn.buffered > this.#limits.highWaterMark) {
      await target.conn.progress();
    }
  }

  disconnect(peer: PeerAddress): void {
    const target = this.#peers.get(addressKey(peer));
    if (target?.open) target.conn.destroy();
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    const peers = [...this.#peers.values()];
    this.#peers.clear();
    for (const peer of peers) {
      peer.open = false;
      peer.conn.destroy();
    }
    this.#closing = this.#shutdown();
    return this.#closing;
  }

  /** The peer `send`/`ready` address: any connected peer, or on a client only its server. */
  #find(peer: PeerAddress): Peer {
    const key = addressKey(peer);
    if (this.#server) {
      const { dialed, peer: server } = this.#server;
      if (key === addressKey(dialed) || key === addressKey(server.address)) return server;
      throw new TypeError(
        `Cannot send to '${key}' on a tcp client link to '${
          addressKey(dialed)
        }': a client link talks only to its server`,
      );
    }
    const found = this.#peers.get(key);
    if (found) return found;
    throw new TransportError(
      "THING_ERR_CLOSED",
      `Cannot send to '${key}': no connection from that peer; it may have closed`,
    );
  }

  /** Disconnects a peer that sent bytes no Thing endpoint could frame. */
  #drop(peer: Peer, cause: unknown): void {
    peer.dropped = true;
    const message = cause instanceof Error ? cause.message : String(cause);
    report(
      this.#handlers,
      new TransportError(
        "THING_ERR_TRANSPORT",
        `Disconnected '${addressKey(peer.address)}': ${message}`,
        { cause },
      ),
    );
    peer.conn.destroy();
  }

  #ended(peer: Peer, error: unknown): void {
    if (!peer.open) return;
    peer.open = false;
    if (this.#peers.get(addressKey(peer.address)) === peer) {
      this.#peers.delete(addressKey(peer.address));
    }
    if (this.#closed) return;
    if (error !== undefined) report(this.#handlers, asError(error, "TCP connection failed"));
    else if (peer.reader.pending > 0) {
      report(
        this.#handlers,
        new TransportError(
          "THING_ERR_TRANSPORT",
          `Connection from '${
            addressKey(peer.address)
          }' ended inside a packet: '${peer.reader.pending}' bytes were dropped`,
        ),
      );
    }
    reportPeerClosed(this.#handlers, peer.address);
  }
}
