/**
 * `tcp()`: the TCP transport factory. Packets are framed by their own header length field.
 *
 * @module
 */

import type { BindOptions, Link, LinkHandlers, Transport } from "../../core/transport.ts";
import { MAX_PACKET_SIZE, resolveMaxPacketSize } from "../_limits.ts";
import { checkReusePortPlatform } from "../_reuse_port.ts";
import { detectRuntime, type Runtime } from "../_runtime.ts";
import type { StreamLimits } from "./_stream_link.ts";
import { bunTcp, tcpBunConnect, tcpBunListen } from "./tcp_bun.ts";
import { tcpDenoConnect, tcpDenoListen } from "./tcp_deno.ts";
import { tcpNodeConnect, tcpNodeListen } from "./tcp_node.ts";

/** Options for `tcp()`. */
export interface TcpOptions {
  /** Force a socket API; by default each runtime uses its own, `node` elsewhere. */
  binding?: Runtime;
  /** The largest packet sent or accepted (64..65,507, default 65,507). */
  maxPacketSize?: number;
  /** `ready(peer)` waits while more bytes than this are buffered for `peer` (default 256 KiB). */
  highWaterMark?: number;
  /** `send` throws rather than buffer more than this for one peer (default 4 MiB). */
  maxBufferedBytes?: number;
  /**
   * Set `SO_REUSEPORT` on `listen` so listeners in several workers share one port and the kernel
   * spreads connections over them (default false). Every binding has it: `Deno.listen`,
   * `Bun.listen` and `node:net`'s `listen({ reusePort })`.
   */
  reusePort?: boolean;
}

type Open = (
  bind: BindOptions,
  limits: StreamLimits,
  handlers: LinkHandlers,
  reusePort: boolean,
) => Promise<Link>;

const bindings: Record<Runtime, { listen: Open; connect: Open; available(): boolean }> = {
  bun: { listen: tcpBunListen, connect: tcpBunConnect, available: () => bunTcp() !== undefined },
  deno: {
    listen: tcpDenoListen,
    connect: tcpDenoConnect,
    available: () => (globalThis as { Deno?: unknown }).Deno !== undefined,
  },
  node: { listen: tcpNodeListen, connect: tcpNodeConnect, available: () => true },
};

/**
 * Creates the TCP transport: `listen` accepts many peers, `connect` makes a link to one server.
 * A peer whose header claims an impossible length is disconnected and reported to `error`.
 *
 * @example
 * ```ts
 * const server = await tcp().listen({ hostname: "127.0.0.1", port: 0 }, {
 *   packet(bytes, peer) { server.send(bytes.slice(), peer); },
 *   peerClosed(peer) { console.log("gone", peer); },
 * });
 * ```
 */
export function tcp(options: TcpOptions = {}): Transport {
  const {
    binding = detectRuntime(),
    highWaterMark = 256 * 1024,
    maxBufferedBytes = 4 * 1024 * 1024,
    reusePort = false,
  } = options;
  const maxPacketSize = resolveMaxPacketSize(options.maxPacketSize);
  const chosen = bindings[binding];
  if (chosen === undefined) {
    throw new TypeError(`Cannot use TCP binding '${binding}': pick 'bun', 'deno' or 'node'`);
  }
  if (!chosen.available()) {
    throw new TypeError(`Cannot use TCP binding '${binding}' outside ${binding}: pick 'node'`);
  }
  if (!Number.isInteger(highWaterMark) || highWaterMark < 0) {
    throw new RangeError(`Cannot use highWaterMark '${highWaterMark}': pass an integer >= 0`);
  }
  if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < highWaterMark + MAX_PACKET_SIZE) {
    throw new RangeError(
      `Cannot use maxBufferedBytes '${maxBufferedBytes}': pass at least highWaterMark + ${MAX_PACKET_SIZE}`,
    );
  }
  if (reusePort) checkReusePortPlatform("TCP");
  const limits: StreamLimits = { maxPacketSize, highWaterMark, maxBufferedBytes };
  return {
    name: "tcp",
    kind: "stream",
    listen: (bind, handlers) => chosen.listen(bind, limits, handlers, reusePort),
    connect: (remote, handlers) => chosen.connect(remote, limits, handlers, false),
  };
}
