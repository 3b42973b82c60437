/**
 * What every UDP binding receives from the `udp()` factory.
 *
 * @module
 */

import type { BindOptions, Link, LinkHandlers, PeerAddress } from "../../core/transport.ts";

/** Resolved settings for one UDP socket. */
export interface UdpSocketOptions {
  /** Local address to bind (port 0 lets the OS choose). */
  bind: BindOptions;
  /** The largest packet `send` accepts. */
  maxPacketSize: number;
  /** Sends allowed in flight before `ready()` waits and further sends are dropped. */
  maxInFlight: number;
  /** `SO_RCVBUF` and `SO_SNDBUF` to ask the kernel for, in bytes, where the binding can set them. */
  socketBuffer: number;
  /** Whether to set `SO_REUSEPORT` so several sockets share the port (the kernel spreads flows). */
  reusePort: boolean;
  /**
   * A client's server: the binding connects the socket to it where it can, so the kernel reports
   * ICMP port unreachable as `THING_ERR_UNREACHABLE` (the `node` and `bun` bindings on Node and
   * Bun; Deno's UDP APIs report no ICMP errors).
   */
  connect?: PeerAddress;
}

/** Opens one UDP socket as a `Link`. */
export type UdpBinding = (options: UdpSocketOptions, handlers: LinkHandlers) => Promise<Link>;
