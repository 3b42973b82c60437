/**
 * UDP over `Bun.udpSocket`; sends made in one tick leave in one batched `sendMany` call.
 *
 * @module
 */

import type { Link, LinkHandlers, PeerAddress } from "../../core/transport.ts";
import { checkSend } from "../_limits.ts";
import { asError, bindError, deliver, isRefused, report, unreachableError } from "../_runtime.ts";
import { Waiters } from "../_waiters.ts";
import type { UdpSocketOptions } from "./_binding.ts";
import { setBunSocketBuffer } from "./_socket_buffer_bun.ts";

interface BunUdpSocket {
  readonly port: number;
  readonly address: { address: string; port: number };
  readonly fd: number;
  sendMany(packets: ReadonlyArray<Uint8Array | number | string>): number;
  close(): void;
}

interface BunUdpHandlers {
  data(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void;
  drain(socket: BunUdpSocket): void;
  error(error: Error): void;
}

type UdpSocketFactory = (options: {
  hostname: string;
  port: number;
  binaryType: "uint8array";
  connect?: { hostname: string; port: number };
  socket: BunUdpHandlers;
}) => Promise<BunUdpSocket>;

/** `Bun.udpSocket` when running on Bun. */
export function bunUdpSocket(): UdpSocketFactory | undefined {
  const bun = (globalThis as { Bun?: { udpSocket?: UdpSocketFactory } }).Bun;
  return bun?.udpSocket?.bind(bun);
}

/** Binds a Bun UDP socket and wraps it as a datagram `Link`. */
export async function udpBun(options: UdpSocketOptions, handlers: LinkHandlers): Promise<Link> {
  const factory = bunUdpSocket();
  if (factory === undefined) {
    throw new TypeError("Cannot use the 'bun' UDP binding outside Bun: pick 'node' or 'deno'");
  }
  const { bind, connect } = options;
  const failed = (error: unknown, context: string) =>
    connect && isRefused(error) ? unreachableError("udp", connect, error) : asError(error, context);
  const onDrain = { drained: () => {} };
  // The last sender, reused while packets keep coming from it (addresses are immutable).
  let from: PeerAddress = { hostname: "", port: -1 };
  const socketHandlers: BunUdpHandlers = {
    data: (_s, data, port, address) => {
      if (from.port !== port || from.hostname !== address) from = { hostname: address, port };
      deliver(handlers, data, from);
    },
    drain: () => onDrain.drained(),
    error: (error) => report(handlers, failed(error, "UDP socket failed")),
  };
  const open = async (port: number, peer?: PeerAddress) => {
    let socket: BunUdpSocket;
    try {
      socket = await factory({
        hostname: bind.hostname,
        port,
        binaryType: "uint8array",
        ...(peer ? { connect: { hostname: peer.hostname, port: peer.port } } : {}),
        socket: socketHandlers,
      });
    } catch (error) {
      throw bindError("udp", "bind", { hostname: bind.hostname, port }, error);
    }
    await setBunSocketBuffer(socket.fd, options.socketBuffer);
    return socket;
  };
  const socket = await open(bind.port, connect);
  // A client that turns to another server (failover) gets an unconnected socket on the same port.
  const unconnected = () => open(socket.port);
  const link = new BunUdpLink(socket, options, handlers, failed, unconnected);
  onDrain.drained = () => link.drained();
  return link;
}

class BunUdpLink implements Link {
  readonly kind = "datagram" as const;
  readonly maxPacketSize: number;
  readonly localAddress: PeerAddress;
  #socket: BunUdpSocket;
  #batch: Array<Uint8Array | number | string> = [];
  #maxBatch: number;
  #blocked = false;
  #closed = false;
  #waiters = new Waiters();
  #handlers: LinkHandlers;
  #failed: (error: unknown, context: string) => Error;
  // A connected socket's sendMany takes payloads alone; an unconnected one, payload-port-address.
  #perPacket: 1 | 3;
  #connected: PeerAddress | undefined;
  #unconnected: () => Promise<BunUdpSocket>;
  #switching = false;
  #flush = () => this.#sendBatch();
  /** The `sent` callbacks of the packets in the batch, called once it has gone. */
  #released: Array<() => void> = [];

  constructor(
    socket: BunUdpSocket,
    options: UdpSocketOptions,
    handlers: LinkHandlers,
    failed: (error: unknown, context: string) => Error,
    unconnected: () => Promise<BunUdpSocket>,
  ) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#failed = failed;
    this.#connected = options.connect;
    this.#unconnected = unconnected;
    this.#perPacket = options.connect ? 1 : 3;
    this.maxPacketSize = options.maxPacketSize;
    this.#maxBatch = options.maxInFlight * this.#perPacket;
    this.localAddress = { hostname: socket.address.address, port: socket.port };
  }

  /** The kernel has room again. */
  drained(): void {
    this.#blocked = false;
    this.#waiters.wake();
  }

  #sendBatch(): void {
    const batch = this.#batch;
    if (batch.length === 0 || this.#closed || this.#switching) return;
    this.#batch = [];
    const released = this.#released;
    this.#released = [];
    // sendMany returns how many packets the kernel took; the rest are dropped, like a full queue.
    // It can also throw (e.g. ECONNREFUSED after a peer vanished): this runs in a microtask, where
    // a throw would be unhandled, so it is reported and the batch counts as lost.
    try {
      if (this.#socket.sendMany(batch) * this.#perPacket < batch.length) this.#blocked = true;
    } catch (error) {
      report(this.#handlers, this.#failed(error, "UDP send failed"));
    }
    // sendMany has copied what the kernel took; the rest is dropped: no packet is read any more.
    for (const sent of released) sent();
  }

  send(bytes: Uint8Array, peer: PeerAddress, sent?: () => void): void {
    checkSend("udp", this.#closed, bytes, this.maxPacketSize);
    // Local pressure: dropped, as the kernel would.
    if (this.#batch.length >= this.#maxBatch) return sent?.();
    if (this.#batch.length === 0) queueMicrotask(this.#flush);
    if (sent) this.#released.push(sent);
    const connected = this.#connected;
    if (connected && (peer.port !== connected.port || peer.hostname !== connected.hostname)) {
      this.#disconnect(connected);
    }
    // A connected (client) socket sends only to its server, the one peer a client has.
    if (this.#perPacket === 1) this.#batch.push(bytes);
    else this.#batch.push(bytes, peer.port, peer.hostname);
  }

  /**
   * Turns the connected client socket into an unconnected one on the same port, for a client that
   * moves to another server. Packets sent meanwhile wait; packets arriving meanwhile are lost (the
   * dialect resends).
   */
  #disconnect(connected: PeerAddress): void {
    this.#connected = undefined;
    this.#perPacket = 3;
    this.#maxBatch *= 3;
    this.#batch = this.#batch.flatMap((bytes) => [bytes, connected.port, connected.hostname]);
    this.#switching = true;
    this.#socket.close();
    this.#unconnected().then((socket) => {
      this.#switching = false;
      if (this.#closed) return socket.close();
      this.#socket = socket;
      this.#sendBatch();
    }, (error: unknown) => {
      this.#switching = false;
      report(this.#handlers, this.#failed(error, "UDP socket could not be reopened"));
    });
  }

  ready(_peer: PeerAddress): Promise<void> {
    if (this.#closed || !this.#blocked) return Promise.resolve();
    return this.#waiters.wait();
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#sendBatch();
      this.#closed = true;
      this.#batch = [];
      this.#released = [];
      this.#socket.close();
      this.#waiters.wake();
    }
    return Promise.resolve();
  }
}
