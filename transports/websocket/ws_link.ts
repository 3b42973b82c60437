/**
 * The runtime-neutral half of a WebSocket link: one packet per binary message over the peers,
 * limits and lifecycle every stream link shares (`StreamPeers`), and a close that waits for each
 * closing handshake. Server bindings and the browser-safe client supply only socket plumbing
 * through `WsConn` and report events through `WsSink`.
 *
 * @module
 */

import { TransportError } from "../../core/errors.ts";
import { addressKey, type LinkHandlers, type PeerAddress } from "../../core/transport.ts";
import { deliver } from "../_runtime.ts";
import { type StreamPeer, StreamPeers } from "../_stream_peers.ts";
import { CLOSE_NORMAL, readPacketMessage } from "./message.ts";
import type { WsSettings } from "./options.ts";

/** One open WebSocket, as a binding exposes it. */
export interface WsConn {
  /** Bytes sent but not yet handed to the OS. */
  readonly buffered: number;
  /** Sends `bytes` as one binary message. */
  send(bytes: Uint8Array): void;
  /** Resolves when buffered bytes may have drained (a drain event or a short poll). */
  progress(): Promise<void>;
  /** Starts the closing handshake; the binding then calls `WsSink.closed()`. */
  close(code: number, reason: string): void;
}

/** What a binding reports about a socket it handed to `WsLink.attach()`. */
export interface WsSink {
  /** A message arrived (`binaryType` "arraybuffer"). */
  message(data: unknown): void;
  /** The socket is gone, cleanly (`error` undefined) or not. */
  closed(error?: Error): void;
}

interface Peer extends StreamPeer<WsConn> {
  /** Resolves once the binding reported the socket closed. */
  gone: Promise<void>;
  markGone: () => void;
}

/** A `Link` over any number of WebSockets (exactly one, to its server, for a client link). */
export class WsLink extends StreamPeers<WsConn, Peer> {
  #closeTimeout: number;
  #server: PeerAddress | undefined;
  #shutdown: () => Promise<void>;

  /**
   * @param localAddress the bound (server) or server-observed (client) address
   * @param shutdown releases the listener after every socket closed (a no-op for clients)
   * @param server on a client link, the address it dialed: the only peer it talks to
   */
  constructor(
    localAddress: PeerAddress,
    settings: WsSettings,
    handlers: LinkHandlers,
    shutdown: () => Promise<void>,
    server?: PeerAddress,
  ) {
    super("websocket", localAddress, settings, handlers);
    this.#closeTimeout = settings.closeTimeout;
    this.#shutdown = shutdown;
    this.#server = server;
  }

  /** Adds an open socket from `address`; returns where the binding reports its events. */
  attach(conn: WsConn, address: PeerAddress): WsSink {
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    const peer: Peer = { conn, address, open: !this.closed, gone, markGone };
    const key = addressKey(address);
    if (this.closed) conn.close(CLOSE_NORMAL, "link closed");
    this.peers.set(key, peer);
    return {
      message: (data) => {
        if (!peer.open) return;
        const packet = readPacketMessage(data, this.maxPacketSize);
        if (packet instanceof Uint8Array) return deliver(this.handlers, packet, address);
        this.ended(
          peer,
          new TransportError("THING_ERR_TRANSPORT", `Disconnected '${key}': ${packet.reason}`),
        );
        conn.close(packet.code, "not a Thing packet");
      },
      closed: (error) => {
        this.ended(peer, error);
        if (this.peers.get(key) === peer) this.peers.delete(key);
        peer.markGone();
      },
    };
  }

  disconnect(peer: PeerAddress): void {
    const target = this.peers.get(addressKey(peer));
    if (!target?.open) return;
    this.ended(target);
    target.conn.close(CLOSE_NORMAL, "disconnected");
  }

  protected write(peer: Peer, bytes: Uint8Array): void {
    peer.conn.send(bytes);
  }

  protected async closeAll(): Promise<void> {
    const peers = [...this.peers.values()];
    for (const peer of peers) {
      if (!peer.open) continue;
      peer.open = false;
      peer.conn.close(CLOSE_NORMAL, "link closed");
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#closeTimeout);
    });
    try {
      await Promise.race([Promise.all(peers.map((peer) => peer.gone)), timeout]);
    } finally {
      clearTimeout(timer);
      this.peers.clear();
    }
    await this.#shutdown();
  }

  /** The open peer `send`/`ready` address; a client link talks only to its server. */
  protected find(peer: PeerAddress): Peer {
    const key = addressKey(peer);
    if (this.#server && key !== addressKey(this.#server)) throw this.notMyServer(key, this.#server);
    const found = this.peers.get(key);
    if (found?.open) return found;
    throw new TransportError(
      "THING_ERR_CLOSED",
      `Cannot send to '${key}': no open WebSocket to that peer; it may have closed`,
    );
  }
}
