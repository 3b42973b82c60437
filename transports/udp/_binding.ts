/**
 * What every UDP binding receives from the `udp()` factory.
 *
 * @module
 */

import type { BindOptions, Link, LinkHandlers } from "../../core/transport.ts";

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
}

/** Opens one UDP socket as a `Link`. */
export type UdpBinding = (options: UdpSocketOptions, handlers: LinkHandlers) => Promise<Link>;
