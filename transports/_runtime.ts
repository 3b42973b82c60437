/**
 * Which JavaScript runtime is running, and the mapping of its socket errors to `TransportError`.
 *
 * @module
 */

import { TransportError } from "../core/errors.ts";
import { addressKey, type LinkHandlers, type PeerAddress } from "../core/transport.ts";

/** A runtime with its own socket API. */
export type Runtime = "bun" | "deno" | "node";

/** The runtime executing this code: Bun and Deno by their globals, anything else is Node-like. */
export function detectRuntime(): Runtime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/** Turns a bind or connect failure into a `TransportError` with a stable code and an action. */
export function bindError(
  name: string,
  action: "bind" | "connect",
  at: PeerAddress,
  cause: unknown,
) {
  const { code, name: errorName } = (cause ?? {}) as { code?: unknown; name?: unknown };
  const where = `'${addressKey(at)}'`;
  if (code === "EADDRINUSE" || errorName === "AddrInUse") {
    return new TransportError(
      "THING_ERR_ADDRESS_IN_USE",
      `Cannot bind ${name} to ${where}: the address is in use; pick another port or pass port 0`,
      { cause },
    );
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TransportError(
    "THING_ERR_TRANSPORT",
    `Cannot ${action} ${name} ${action === "bind" ? "to" : "at"} ${where}: ${reason}`,
    { cause },
  );
}

/**
 * The error of a connected datagram socket whose peer answered with ICMP port unreachable
 * (`ECONNREFUSED`): nothing listens there, so a handshake need not wait for its timeout.
 */
export function unreachableError(name: string, peer: PeerAddress, cause: unknown): TransportError {
  return new TransportError(
    "THING_ERR_UNREACHABLE",
    `Cannot reach ${name} at '${
      addressKey(peer)
    }': nothing listens on that port (port unreachable)`,
    { cause },
  );
}

/** Whether `error` is a socket's `ECONNREFUSED`. */
export function isRefused(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "ECONNREFUSED";
}

/** Wraps an arbitrary thrown value as an `Error`, keeping the original as `cause`. */
export function asError(value: unknown, context: string): Error {
  if (value instanceof Error) return value;
  return new TransportError("THING_ERR_TRANSPORT", `${context}: ${String(value)}`, {
    cause: value,
  });
}

/** Hands one packet to `handlers.packet`; a throwing handler is reported, never propagated. */
export function deliver(handlers: LinkHandlers, bytes: Uint8Array, peer: PeerAddress): void {
  try {
    handlers.packet(bytes, peer);
  } catch (error) {
    report(handlers, asError(error, "Packet handler failed"));
  }
}

/** Reports a non-fatal error; a throwing `error` handler is swallowed so the socket survives. */
export function report(handlers: LinkHandlers, error: Error): void {
  try {
    handlers.error?.(error);
  } catch {
    // The error sink itself failed; there is nowhere left to report to.
  }
}

/** Reports that a stream peer went away, guarding against a throwing handler. */
export function reportPeerClosed(handlers: LinkHandlers, peer: PeerAddress): void {
  try {
    handlers.peerClosed?.(peer);
  } catch (error) {
    report(handlers, asError(error, "Peer-closed handler failed"));
  }
}

/** Whether `hostname` is an IPv6 literal (IPv6 hosts never appear bracketed in Thing). */
export function isIpv6(hostname: string): boolean {
  return hostname.includes(":");
}

/** The local address a client binds to reach `remote`: loopback for loopback, else any. */
export function clientBindHost(remote: string): string {
  if (isIpv6(remote)) return remote === "::1" ? "::1" : "::";
  return remote === "localhost" || remote.startsWith("127.") ? "127.0.0.1" : "0.0.0.0";
}
