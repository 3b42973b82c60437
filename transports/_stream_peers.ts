/**
 * What every stream link shares, whatever carries its bytes (TCP connections, WebSockets): the
 * table of connected peers, the checks a `send` makes before writing, backpressure through
 * `ready()`, reporting a peer that went away, and a `close()` that runs once. A link adds how it
 * finds a peer, writes a packet, disconnects one and closes them all.
 *
 * @module
 */

import { TransportError } from "../core/errors.ts";
import { addressKey, type Link, type LinkHandlers, type PeerAddress } from "../core/transport.ts";
import { checkBuffered, checkSend } from "./_limits.ts";
import { report, reportPeerClosed } from "./_runtime.ts";

/** Buffer and size limits of a stream link. */
export interface StreamLimits {
  /** The largest packet `send` accepts and the reader allows. */
  maxPacketSize: number;
  /** `ready(peer)` waits while more than this many bytes are buffered for `peer`. */
  highWaterMark: number;
  /** `send` throws rather than buffer more than this for one peer. */
  maxBufferedBytes: number;
}

/** A peer's connection, as far as backpressure goes. */
export interface BufferedConn {
  /** Bytes written but not yet taken by the OS. */
  readonly buffered: number;
  /** Resolves at the next write progress, or when the connection ends. */
  progress(): Promise<void>;
}

/** One connected peer. */
export interface StreamPeer<C extends BufferedConn> {
  /** Its connection. */
  conn: C;
  /** Its address, the key of the peer table. */
  address: PeerAddress;
  /** Still usable: not dropped, disconnected or closed. */
  open: boolean;
}

/** The shared half of a stream `Link`; `name` appears in its error messages (`tcp`). */
export abstract class StreamPeers<C extends BufferedConn, P extends StreamPeer<C>> implements Link {
  readonly kind = "stream" as const;
  readonly maxPacketSize: number;
  readonly localAddress: PeerAddress;
  /** Connected peers by `addressKey`. */
  protected readonly peers: Map<string, P> = new Map();
  /** Where packets and errors go. */
  protected readonly handlers: LinkHandlers;
  /** Buffer and size limits. */
  protected readonly limits: StreamLimits;
  /** Set once `close()` was called. */
  protected closed = false;
  readonly #name: string;
  #closing: Promise<void> | undefined;

  /** @param name the transport's name, for messages */
  constructor(
    name: string,
    localAddress: PeerAddress,
    limits: StreamLimits,
    handlers: LinkHandlers,
  ) {
    this.#name = name;
    this.localAddress = localAddress;
    this.maxPacketSize = limits.maxPacketSize;
    this.limits = limits;
    this.handlers = handlers;
  }

  send(bytes: Uint8Array, peer: PeerAddress): void {
    checkSend(this.#name, this.closed, bytes, this.maxPacketSize);
    const target = this.find(peer);
    if (!target.open) {
      throw new TransportError(
        "THING_ERR_CLOSED",
        `Cannot send to '${addressKey(target.address)}': the connection closed; connect again`,
      );
    }
    checkBuffered(
      target.address,
      target.conn.buffered,
      bytes.byteLength,
      this.limits.maxBufferedBytes,
    );
    this.write(target, bytes);
  }

  async ready(peer: PeerAddress): Promise<void> {
    const target = this.find(peer);
    while (target.open && !this.closed && target.conn.buffered > this.limits.highWaterMark) {
      await target.conn.progress();
    }
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.closed = true;
    this.#closing = this.closeAll();
    return this.#closing;
  }

  /** Drops one peer. */
  abstract disconnect(peer: PeerAddress): void;

  /** The peer `send`/`ready` address; throws when there is none (or it is not this client's). */
  protected abstract find(peer: PeerAddress): P;

  /** Writes one checked packet to `peer`'s connection. */
  protected abstract write(peer: P, bytes: Uint8Array): void;

  /** Closes every connection and the listener, once (`closed` is already set). */
  protected abstract closeAll(): Promise<void>;

  /** The message of `send`/`ready` to an address a client link does not talk to. */
  protected notMyServer(key: string, server: PeerAddress): TypeError {
    return new TypeError(
      `Cannot send to '${key}' on a ${this.#name} client link to '${
        addressKey(server)
      }': a client link talks only to its server`,
    );
  }

  /** Marks `peer` unusable once, reporting `error` and then `peerClosed` unless the link closed. */
  protected ended(peer: P, error?: Error): void {
    if (!peer.open) return;
    peer.open = false;
    if (this.closed) return;
    if (error) report(this.handlers, error);
    reportPeerClosed(this.handlers, peer.address);
  }
}
