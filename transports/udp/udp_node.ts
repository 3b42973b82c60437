/**
 * UDP over `node:dgram`: the portable binding (Node, and the fallback on Deno and Bun).
 *
 * @module
 */

import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { Link, LinkHandlers, PeerAddress } from "../../core/transport.ts";
import { checkSend } from "../_limits.ts";
import {
  asError,
  bindError,
  deliver,
  isIpv6,
  isRefused,
  report,
  unreachableError,
} from "../_runtime.ts";
import { Waiters } from "../_waiters.ts";
import type { UdpSocketOptions } from "./_binding.ts";

/** Binds a `node:dgram` socket and wraps it as a datagram `Link`. */
export async function udpNode(options: UdpSocketOptions, handlers: LinkHandlers): Promise<Link> {
  const { bind, maxPacketSize, maxInFlight, socketBuffer, reusePort, connect } = options;
  const socket = createSocket({
    type: isIpv6(bind.hostname) ? "udp6" : "udp4",
    recvBufferSize: socketBuffer,
    sendBufferSize: socketBuffer,
    ...(reusePort ? { reusePort } : {}),
  });
  await settle(socket, "bind", bind, (done) => socket.bind(bind.port, bind.hostname, done));
  if (connect) {
    await settle(
      socket,
      "connect",
      connect,
      (done) => socket.connect(connect.port, connect.hostname, done),
    );
  }
  return new NodeUdpLink(socket, handlers, maxPacketSize, maxInFlight, connect);
}

/** Runs a socket's `bind` or `connect`; on an error the socket is closed and the error mapped. */
function settle(
  socket: Socket,
  action: "bind" | "connect",
  at: PeerAddress,
  start: (done: () => void) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      socket.close();
      reject(bindError("udp", action, at, error));
    };
    socket.once("error", onError);
    start(() => {
      socket.off("error", onError);
      resolve();
    });
  });
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

  #connected: PeerAddress | undefined;

  constructor(
    socket: Socket,
    handlers: LinkHandlers,
    maxPacketSize: number,
    maxInFlight: number,
    connect: PeerAddress | undefined,
  ) {
    this.#connected = connect;
    this.#socket = socket;
    this.#handlers = handlers;
    this.maxPacketSize = maxPacketSize;
    this.#maxInFlight = maxInFlight;
    const local = socket.address();
    this.localAddress = { hostname: local.address, port: local.port };
    socket.on("message", (msg: Uint8Array, rinfo: RemoteInfo) => {
      deliver(handlers, msg, { hostname: rinfo.address, port: rinfo.port });
    });
    const failed = (error: Error) =>
      connect && isRefused(error) ? unreachableError("udp", connect, error) : error;
    socket.on(
      "error",
      (error: Error) => report(handlers, asError(failed(error), "UDP socket failed")),
    );
    this.#onSent = (error) => {
      this.#inFlight--;
      if (error && !this.#closed) report(this.#handlers, failed(error));
      if (this.#inFlight < this.#maxInFlight) this.#waiters.wake();
    };
  }

  send(bytes: Uint8Array, peer: PeerAddress, sent?: () => void): void {
    checkSend("udp", this.#closed, bytes, this.maxPacketSize);
    // Local pressure: dropped, as the kernel would.
    if (this.#inFlight >= this.#maxInFlight) return sent?.();
    this.#inFlight++;
    const connected = this.#connected;
    if (connected && (peer.port !== connected.port || peer.hostname !== connected.hostname)) {
      // A client turning to another server (failover): the socket stops filtering by peer.
      this.#socket.disconnect();
      this.#connected = undefined;
    }
    // A connected (client) socket sends only to its server, the one peer a client has.
    // The callback runs once the socket is done with `bytes`.
    const onSent = sent ? this.#releasing(sent) : this.#onSent;
    if (this.#connected) this.#socket.send(bytes, onSent);
    else this.#socket.send(bytes, peer.port, peer.hostname, onSent);
  }

  #releasing(sent: () => void): (error: Error | null) => void {
    return (error) => {
      this.#onSent(error);
      sent();
    };
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
