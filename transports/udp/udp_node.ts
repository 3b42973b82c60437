/**
 * UDP over `node:dgram`: the portable binding (Node, and the fallback on Deno and Bun).
 *
 * @module
 */

import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { Link, LinkHandlers, PeerAddress } from "../../core/transport.ts";
import { checkSend } from "../_limits.ts";
import { asError, bindError, deliver, isIpv6, report } from "../_runtime.ts";
import { Waiters } from "../_waiters.ts";
import type { UdpSocketOptions } from "./_binding.ts";

/** Binds a `node:dgram` socket and wraps it as a datagram `Link`. */
export async function udpNode(options: UdpSocketOptions, handlers: LinkHandlers): Promise<Link> {
  const { bind, maxPacketSize, maxInFlight, socketBuffer, reusePort } = options;
  const socket = createSocket({
    type: isIpv6(bind.hostname) ? "udp6" : "udp4",
    recvBufferSize: socketBuffer,
    sendBufferSize: socketBuffer,
    ...(reusePort ? { reusePort } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      socket.close();
      reject(bindError("udp", "bind", bind, error));
    };
    socket.once("error", onError);
    socket.bind(bind.port, bind.hostname, () => {
      socket.off("error", onError);
      resolve();
    });
  });
  return new NodeUdpLink(socket, handlers, maxPacketSize, maxInFlight);
}

class NodeUdpLink implements Link {
  readonly kind = "datagram" as const;
  readonly maxPacketSize: number;
  readonly localAddress: PeerAddress;
  #socket: Socket;
  #maxInFlight: number;
  #inFlight = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #waiters = new Waiters();
  #handlers: LinkHandlers;
  #onSent: (error: Error | null) => void;

  constructor(socket: Socket, handlers: LinkHandlers, maxPacketSize: number, maxInFlight: number) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.maxPacketSize = maxPacketSize;
    this.#maxInFlight = maxInFlight;
    const local = socket.address();
    this.localAddress = { hostname: local.address, port: local.port };
    socket.on("message", (msg: Uint8Array, rinfo: RemoteInfo) => {
      deliver(handlers, msg, { hostname: rinfo.address, port: rinfo.port });
    });
    socket.on("error", (error: Error) => report(handlers, asError(error, "UDP socket failed")));
    this.#onSent = (error) => {
      this.#inFlight--;
      if (error && !this.#closed) report(this.#handlers, error);
      if (this.#inFlight < this.#maxInFlight) this.#waiters.wake();
    };
  }

  send(bytes: Uint8Array, peer: PeerAddress): void {
    checkSend("udp", this.#closed, bytes, this.maxPacketSize);
    if (this.#inFlight >= this.#maxInFlight) return; // local pressure: dropped, as the kernel would
    this.#inFlight++;
    this.#socket.send(bytes, peer.port, peer.hostname, this.#onSent);
  }

  ready(_peer: PeerAddress): Promise<void> {
    if (this.#closed || this.#inFlight < this.#maxInFlight) return Promise.resolve();
    return this.#waiters.wait();
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = new Promise<void>((resolve) => {
      this.#socket.close(() => resolve());
    }).finally(() => this.#waiters.wake());
    return this.#closing;
  }
}
