/**
 * The runtime-neutral half of a WebSocket link: peers, one packet per binary message, backpressure
 * and lifecycle. Server bindings and the browser-safe client supply only socket plumbing through
 * `WsConn` and report events through `WsSink`.
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
import { deliver, report, reportPeerClosed } from "../_runtime.ts";
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

interface Peer {
  conn: WsConn;
  address: PeerAddress;
  /** Still usable: not dropped, disconnected or closed. */
  open: boolean;
  /** Resolves once the binding reported the socket closed. */
  gone: Promise<void>;
  markGone: () => void;
}

/** A `Link` over any number of WebSockets (exactly one, to its server, for a client link). */
export class WsLink implements Link {
  readonly kind = "stream" as const;
  readonly maxPacketSize: number;
  readonly localAddress: PeerAddress;
  #settings: WsSettings;
  #handlers: LinkHandlers;
  #peers = new Map<string, Peer>();
  #server: PeerAddress | undefined;
  #shutdown: () => Promise<void>;
  #closed = false;
  #closing: Promise<void> | undefined;

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
    this.localAddress = localAddress;
    this.maxPacketSize = settings.maxPacketSize;
    this.#settings = settings;
    this.#handlers = handlers;
    this.#shutdown = shutdown;
    this.#server = server;
  }

  /** Adds an open socket from `address`; returns where the binding reports its events. */
  attach(conn: WsConn, address: PeerAddress): WsSink {
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    const peer: Peer = { conn, address, open: !this.#closed, gone, markGone };
    const key = addressKey(address);
    if (this.#closed) conn.close(CLOSE_NORMAL, "link closed");
    this.#peers.set(key, peer);
    return {
      message: (data) => {
        if (!peer.open) return;
        const packet = readPacketMessage(data, this.maxPacketSize);
        if (packet instanceof Uint8Array) return deliver(this.#handlers, packet, address);
        this.#end(
          peer,
          new TransportError("THING_ERR_TRANSPORT", `Disconnected '${key}': ${packet.reason}`),
        );
        conn.close(packet.code, "not a Thing packet");
      },
      closed: (error) => {
        this.#end(peer, error);
        if (this.#peers.get(key) === peer) this.#peers.delete(key);
        peer.markGone();
      },
    };
  }

  send(bytes: Uint8Array, peer: PeerAddress): void {
    checkSend("websocket", this.#closed, bytes, this.maxPacketSize);
    const target = this.#find(peer);
    checkBuffered(
      target.address,
      target.conn.buffered,
      bytes.byteLength,
      this.#settings.maxBufferedBytes,
    );
    target.conn.send(bytes);
  }

  async ready(peer: PeerAddress): Promise<void> {
    const target = this.#find(peer);
    while (target.open && target.conn.buffered > this.#settings.highWaterMark) {
      await target.conn.progress();
    }
  }

  disconnect(peer: PeerAddress): void {
    const target = this.#peers.get(addressKey(peer));
    if (!target?.open) return;
    this.#end(target);
    target.conn.close(CLOSE_NORMAL, "disconnected");
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    this.#closed = true;
    const peers = [...this.#peers.values()];
    for (const peer of peers) {
      if (!peer.open) continue;
      peer.open = false;
      peer.conn.close(CLOSE_NORMAL, "link closed");
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#settings.closeTimeout);
    });
    try {
      await Promise.race([Promise.all(peers.map((peer) => peer.gone)), timeout]);
    } finally {
      clearTimeout(timer);
      this.#peers.clear();
    }
    await this.#shutdown();
  }

  /** The open peer `send`/`ready` address; a client link talks only to its server. */
  #find(peer: PeerAddress): Peer {
    const key = addressKey(peer);
    if (this.#server && key !== addressKey(this.#server)) {
      throw new TypeError(
        `Cannot send to '${key}' on a websocket client link to '${
          addressKey(this.#server)
        }': a client link talks only to its server`,
      );
    }
    const found = this.#peers.get(key);
    if (found?.open) return found;
    throw new TransportError(
      "THING_ERR_CLOSED",
      `Cannot send to '${key}': no open WebSocket to that peer; it may have closed`,
    );
  }

  /** Marks `peer` unusable once, reporting `error` and then `peerClosed` unless the link closed. */
  #end(peer: Peer, error?: Error): void {
    if (!peer.open) return;
    peer.open = false;
    if (this.#closed) return;
    if (error) report(this.#handlers, error);
    reportPeerClosed(this.#handlers, peer.address);
  }
}
