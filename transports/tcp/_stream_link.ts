/**
 * The runtime-neutral half of a TCP link: framing by the packet header over the peers, limits and
 * lifecycle every stream link shares (`StreamPeers`). Each binding supplies only socket plumbing
 * through `StreamConn` and reports bytes through `ConnSink`.
 *
 * @module
 */

import { TransportError } from "../../core/errors.ts";
import { addressKey, type LinkHandlers, type PeerAddress } from "../../core/transport.ts";
import { asError, deliver, report } from "../_runtime.ts";
import { type StreamLimits, type StreamPeer, StreamPeers } from "../_stream_peers.ts";
import { FrameReader } from "./frame_reader.ts";

export type { StreamLimits };

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

interface Peer extends StreamPeer<StreamConn> {
  reader: FrameReader;
  dropped: boolean;
}

/** A `Link` over any number of TCP connections (one for a client link). */
export class StreamLink extends StreamPeers<StreamConn, Peer> {
  #server: { dialed: PeerAddress; peer: Peer } | undefined;
  #shutdown: () => Promise<void>;

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
    super("tcp", localAddress, limits, handlers);
    this.#shutdown = shutdown;
  }

  /** Adds a connection; a client link calls this once with the address it dialed. */
  attach(conn: StreamConn, dialed?: PeerAddress): ConnSink {
    const peer: Peer = {
      conn,
      address: conn.remote,
      reader: new FrameReader(this.limits.maxPacketSize),
      open: true,
      dropped: false,
    };
    if (this.closed) conn.destroy();
    else this.peers.set(addressKey(conn.remote), peer);
    if (dialed) this.#server = { dialed, peer };
    const emit = (packet: Uint8Array) => deliver(this.handlers, packet, peer.address);
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

  disconnect(peer: PeerAddress): void {
    const target = this.peers.get(addressKey(peer));
    if (target?.open) target.conn.destroy();
  }

  protected write(peer: Peer, bytes: Uint8Array): void {
    peer.conn.write(bytes);
  }

  protected closeAll(): Promise<void> {
    const peers = [...this.peers.values()];
    this.peers.clear();
    for (const peer of peers) {
      peer.open = false;
      peer.conn.destroy();
    }
    return this.#shutdown();
  }

  /** The peer `send`/`ready` address: any connected peer, or on a client only its server. */
  protected find(peer: PeerAddress): Peer {
    const key = addressKey(peer);
    if (this.#server) {
      const { dialed, peer: server } = this.#server;
      if (key === addressKey(dialed) || key === addressKey(server.address)) return server;
      throw this.notMyServer(key, dialed);
    }
    const found = this.peers.get(key);
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
      this.handlers,
      new TransportError(
        "THING_ERR_TRANSPORT",
        `Disconnected '${addressKey(peer.address)}': ${message}`,
        { cause },
      ),
    );
    peer.conn.destroy();
  }

  /** The binding reported the connection gone: forget it, say why if it was not clean. */
  #ended(peer: Peer, cause: unknown): void {
    if (!peer.open) return;
    const key = addressKey(peer.address);
    if (this.peers.get(key) === peer) this.peers.delete(key);
    this.ended(peer, this.#why(peer, cause));
  }

  #why(peer: Peer, cause: unknown): Error | undefined {
    if (cause !== undefined) return asError(cause, "TCP connection failed");
    if (peer.reader.pending === 0) return undefined;
    return new TransportError(
      "THING_ERR_TRANSPORT",
      `Connection from '${
        addressKey(peer.address)
      }' ended inside a packet: '${peer.reader.pending}' bytes were dropped`,
    );
  }
}
