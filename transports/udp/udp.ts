/**
 * `udp()`: the UDP transport factory, choosing the fastest binding the runtime offers.
 *
 * @module
 */

import type { BindOptions, Link, LinkHandlers, Transport } from "../../core/transport.ts";
import { resolveMaxPacketSize } from "../_limits.ts";
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
   * `net.core.rmem_max`/`wmem_max`). The `deno` binding cannot set it (`Deno.listenDatagram` has no option), nor can `node:dgram` on Deno.
   */
  socketBuffer?: number;
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

/** The binding `udp()` picks when no `binding` option is given. */
export function defaultUdpBinding(): Runtime {
  const runtime = detectRuntime();
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
    binding = defaultUdpBinding(),
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
      return open({ bind, maxPacketSize, maxInFlight, socketBuffer }, handlers);
    },
    connect(remote: BindOptions, handlers: LinkHandlers): Promise<Link> {
      const bind = { hostname: clientBindHost(remote.hostname), port: 0 };
      return open({ bind, maxPacketSize, maxInFlight, socketBuffer, connect: remote }, handlers);
    },
  };
}
