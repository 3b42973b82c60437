/**
 * `udp()`: the UDP transport factory, choosing the fastest binding the runtime offers.
 *
 * @module
 */

import type { BindOptions, Link, LinkHandlers, Transport } from "../../core/transport.ts";
import { resolveMaxPacketSize } from "../_limits.ts";
import { checkReusePortPlatform } from "../_reuse_port.ts";
import { clientBindHost, detectRuntime, type Runtime } from "../_runtime.ts";
import type { UdpBinding } from "./_binding.ts";
import { bunUdpSocket, udpBun } from "./udp_bun.ts";
import { denoListenDatagram, udpDeno } from "./udp_deno.ts";
import { udpNode } from "./udp_node.ts";

/** Options for `udp()`. */
export interface UdpOptions {
  /** Force a socket API; by default Bun uses `bun`, Deno uses `deno` when unstable net is on, else `node`. */
  binding?: Runtime;
  /** The largest packet accepted by `send` (64..65,507, default 65,507). */
  maxPacketSize?: number;
  /** Sends allowed in flight per link before `ready()` waits and sends are dropped (default 1,024). */
  maxInFlight?: number;
  /**
   * Kernel receive and send buffer per socket, in bytes (default 4 MiB; Linux caps it at
   * `net.core.rmem_max`/`wmem_max`). The `deno` binding sets it on Linux when FFI and reading
   * `/proc` are allowed (`Deno.listenDatagram` has no option), else leaves it; `node:dgram` on
   * Deno cannot set it.
   */
  socketBuffer?: number;
  /**
   * Set `SO_REUSEPORT` on `listen` so sockets in several workers share one port and the kernel
   * spreads clients over them (default false). Only `node:dgram` has the option: Bun then uses the
   * `node` binding (`Bun.udpSocket` has none), and Deno 2.9 has it in neither `node:dgram` nor
   * `Deno.listenDatagram`, so asking for it there throws a `TypeError`.
   */
  reusePort?: boolean;
}

/** The default `socketBuffer`: room for ~60 of the largest datagrams (212,992 B holds ~3). */
const DEFAULT_SOCKET_BUFFER = 4 * 1024 * 1024;

const bindings: Record<Runtime, UdpBinding> = { bun: udpBun, deno: udpDeno, node: udpNode };

const available: Record<Runtime, () => boolean> = {
  bun: () => bunUdpSocket() !== undefined,
  deno: () => denoListenDatagram() !== undefined,
  node: () => true,
};

const needs: Record<Runtime, string> = {
  bun: "Bun",
  deno: "Deno with '--unstable-net'",
  node: "node:dgram",
};

/** The binding `udp()` picks when no `binding` option is given (`node` for `reusePort`). */
export function defaultUdpBinding(reusePort = false): Runtime {
  const runtime = detectRuntime();
  if (reusePort) return "node";
  if (runtime !== "node" && available[runtime]()) return runtime;
  return "node";
}

/**
 * Creates the UDP transport: one socket per link, IPv4 or IPv6 by the hostname.
 *
 * @example
 * ```ts
 * const link = await udp().listen({ hostname: "127.0.0.1", port: 0 }, {
 *   packet(bytes, peer) { link.send(bytes, peer); },
 * });
 * await link.close();
 * ```
 */
export function udp(options: UdpOptions = {}): Transport {
  const {
    reusePort = false,
    binding = defaultUdpBinding(reusePort),
    maxInFlight = 1024,
    socketBuffer = DEFAULT_SOCKET_BUFFER,
  } = options;
  const maxPacketSize = resolveMaxPacketSize(options.maxPacketSize);
  const open = bindings[binding];
  if (open === undefined) {
    throw new TypeError(`Cannot use UDP binding '${binding}': pick 'bun', 'deno' or 'node'`);
  }
  if (!available[binding]()) {
    throw new TypeError(
      `Cannot use UDP binding '${binding}' here: it needs ${needs[binding]}; pick 'node'`,
    );
  }
  if (reusePort) checkReusePort(binding);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`Cannot use maxInFlight '${maxInFlight}': pass a positive integer`);
  }
  if (!Number.isInteger(socketBuffer) || socketBuffer < 1 || socketBuffer > 0x7fff_ffff) {
    throw new RangeError(
      `Cannot use socketBuffer '${socketBuffer}': pass a positive integer below 2 GiB`,
    );
  }
  return {
    name: "udp",
    kind: "datagram",
    listen(bind: BindOptions, handlers: LinkHandlers): Promise<Link> {
      return open({ bind, maxPacketSize, maxInFlight, socketBuffer, reusePort }, handlers);
    },
    connect(remote: BindOptions, handlers: LinkHandlers): Promise<Link> {
      const bind = { hostname: clientBindHost(remote.hostname), port: 0 };
      return open(
        { bind, maxPacketSize, maxInFlight, socketBuffer, reusePort: false, connect: remote },
        handlers,
      );
    },
  };
}

/** Throws when `binding` cannot set `SO_REUSEPORT` on this runtime. */
function checkReusePort(binding: Runtime): void {
  checkReusePortPlatform("UDP");
  if (detectRuntime() === "deno") {
    throw new TypeError(
      "Cannot use reusePort for UDP on Deno: neither Deno.listenDatagram nor node:dgram on Deno sets SO_REUSEPORT; run the workers on Bun, or use tcp",
    );
  }
  if (binding !== "node") {
    throw new TypeError(
      `Cannot use reusePort with the '${binding}' UDP binding: it has no such option; pick 'node' (node:dgram sets SO_REUSEPORT)`,
    );
  }
}
