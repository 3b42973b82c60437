/**
 * The transport contract: transports only move bytes. Every built-in transport implements it, and
 * so can a third party's. See docs/TRANSPORTS.md.
 *
 * @module
 */

/** Where a packet came from or goes to. */
export interface PeerAddress {
  /** Host name or IP literal (IPv6 without brackets), or a memory-link name. */
  readonly hostname: string;
  /** Port number (0 when the transport has none). */
  readonly port: number;
}

/** `datagram`: each send is one packet that may be lost; `stream`: ordered and reliable. */
export type TransportKind = "datagram" | "stream";

/** Callbacks a link reports to. Set once at `listen`/`connect` so no packet arrives unheard. */
export interface LinkHandlers {
  /** One whole packet arrived from `peer`. The bytes are handed over: the link never reuses them. */
  packet(bytes: Uint8Array, peer: PeerAddress): void;
  /** A non-fatal error (peer reset, bad frame); the link keeps running unless it says otherwise. */
  error?(error: Error): void;
  /** A stream peer went away (stream transports only). */
  peerClosed?(peer: PeerAddress): void;
}

/**
 * Bytes the driver holds for one peer while its stream link applies backpressure (a `send` that
 * throws `THING_ERR_BACKPRESSURE`, until `ready(peer)`); beyond this it drops and reports.
 */
export const MAX_HELD_BYTES: number = 4 * 1024 * 1024;

/** A bound socket: sends packets to peers and reports packets from them. */
export interface Link {
  /** Whether packets may be lost (`datagram`) or not (`stream`). */
  readonly kind: TransportKind;
  /** The largest packet (header + payload) this link carries. */
  readonly maxPacketSize: number;
  /** The local address, with the port the OS chose when 0 was asked for. */
  readonly localAddress: PeerAddress;
  /**
   * Queues one packet for `peer`. Throws `TransportError` when it is too large or the link is closed.
   * The link may keep `bytes` until they are written: do not modify them after the call. A link
   * may call `sent`, once, when it no longer reads `bytes` (written, or dropped); one that never
   * does is correct too (the driver passes it so that the packet's buffer can be reused).
   */
  send(bytes: Uint8Array, peer: PeerAddress, sent?: () => void): void;
  /** Resolves when `peer` can take more data without unbounded buffering (stream links). */
  ready?(peer: PeerAddress): Promise<void>;
  /** Drops one stream peer (after garbage from it). */
  disconnect?(peer: PeerAddress): void;
  /** Releases the socket and every pending resource. Idempotent. */
  close(): Promise<void>;
}

/** Options to bind or reach an address. */
export interface BindOptions {
  /** Host to bind (server) or reach (client). */
  hostname: string;
  /** Port to bind (0 = any) or reach. */
  port: number;
}

/** A way to make links: listen for many peers, or connect to one. */
export interface Transport {
  /** Short name, e.g. `udp`, `tcp`, `memory`. */
  readonly name: string;
  /** Datagram or stream. */
  readonly kind: TransportKind;
  /** Binds a link that accepts packets from any peer. */
  listen(options: BindOptions, handlers: LinkHandlers): Promise<Link>;
  /** Opens a link that talks to one server. */
  connect(options: BindOptions, handlers: LinkHandlers): Promise<Link>;
}

/** A stable string for an address, used as a map key. */
export function addressKey(peer: PeerAddress): string {
  return peer.hostname.includes(":")
    ? `[${peer.hostname}]:${peer.port}`
    : `${peer.hostname}:${peer.port}`;
}
