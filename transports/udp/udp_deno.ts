/**
 * UDP over `Deno.listenDatagram` (unstable: needs `--unstable-net` or `"unstable": ["net"]`).
 *
 * @module
 */

import { packetSlab } from "../../core/byte_slab.ts";
import type { Link, LinkHandlers, PeerAddress } from "../../core/transport.ts";
import { checkSend, MAX_PACKET_SIZE } from "../_limits.ts";
import { asError, bindError, deliver, report } from "../_runtime.ts";
import { Waiters } from "../_waiters.ts";
import type { UdpSocketOptions } from "./_binding.ts";
import { setDenoSocketBuffer } from "./_socket_buffer_deno.ts";

interface DenoUdpAddr {
  hostname: string;
  port: number;
  transport: "udp";
}

interface DenoDatagramConn {
  readonly addr: DenoUdpAddr;
  receive(buffer?: Uint8Array): Promise<[Uint8Array, DenoUdpAddr]>;
  send(bytes: Uint8Array, addr: DenoUdpAddr): Promise<number>;
  close(): void;
}

type ListenDatagram = (options: DenoUdpAddr) => DenoDatagramConn;

/** `Deno.listenDatagram` when this Deno exposes it (it does only with the `net` unstable flag). */
export function denoListenDatagram(): ListenDatagram | undefined {
  const deno = (globalThis as { Deno?: { listenDatagram?: ListenDatagram } }).Deno;
  return deno?.listenDatagram?.bind(deno);
}

/** Binds a Deno datagram socket and wraps it as a datagram `Link`. */
export function udpDeno(options: UdpSocketOptions, handlers: LinkHandlers): Promise<Link> {
  const listen = denoListenDatagram();
  const { bind } = options;
  if (listen === undefined) {
    return Promise.reject(
      new TypeError(
        "Cannot use the 'deno' UDP binding: Deno.listenDatagram is missing; run with '--unstable-net'",
      ),
    );
  }
  let conn: DenoDatagramConn;
  try {
    conn = listen({ hostname: bind.hostname, port: bind.port, transport: "udp" });
  } catch (error) {
    return Promise.reject(bindError("udp", "bind", bind, error));
  }
  setDenoSocketBuffer(conn.addr.port, options.socketBuffer);
  return Promise.resolve(new DenoUdpLink(conn, handlers, options));
}

// Receive buffers of closed links, for the next links (a client link per connection is common, and
// a fresh 64 KiB buffer costs ~9 µs on Deno).
const spareBuffers: Uint8Array[] = [];
const MAX_SPARE_BUFFERS = 8;

class DenoUdpLink implements Link {
  readonly kind = "datagram" as const;
  readonly maxPacketSize: number;
  readonly localAddress: PeerAddress;
  #conn: DenoDatagramConn;
  #handlers: LinkHandlers;
  #maxInFlight: number;
  #inFlight = 0;
  #closed = false;
  #receiving: Promise<void>;
  #waiters = new Waiters();
  /** The last sender, reused while packets keep coming from it (addresses are immutable). */
  #lastFrom: PeerAddress = { hostname: "", port: -1 };
  /** The last destination, in the form `send` takes. */
  #lastTo: { peer: PeerAddress; to: DenoUdpAddr } | undefined;
  #onSent = () => this.#settle();
  #onFailed = (error: unknown) => {
    this.#settle();
    if (!this.#closed) report(this.#handlers, asError(error, "UDP send failed"));
  };

  constructor(conn: DenoDatagramConn, handlers: LinkHandlers, options: UdpSocketOptions) {
    this.#conn = conn;
    this.#handlers = handlers;
    this.maxPacketSize = options.maxPacketSize;
    this.#maxInFlight = options.maxInFlight;
    this.localAddress = { hostname: conn.addr.hostname, port: conn.addr.port };
    this.#receiving = this.#receive();
  }

  async #receive(): Promise<void> {
    const buffer = spareBuffers.pop() ?? new Uint8Array(MAX_PACKET_SIZE);
    try {
      await this.#receiveInto(buffer);
    } finally {
      // The loop has ended and no receive is pending on it: the next link may read into it.
      if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
    }
  }

  async #receiveInto(buffer: Uint8Array): Promise<void> {
    while (!this.#closed) {
      let received: [Uint8Array, DenoUdpAddr];
      try {
        received = await this.#conn.receive(buffer);
      } catch (error) {
        if (this.#closed) return;
        report(this.#handlers, asError(error, "UDP receive failed"));
        continue;
      }
      const [bytes, from] = received;
      let peer = this.#lastFrom;
      if (peer.port !== from.port || peer.hostname !== from.hostname) {
        peer = this.#lastFrom = { hostname: from.hostname, port: from.port };
      }
      // The receive buffer is reused, and the contract hands bytes over: copy exactly this packet
      // (into a slab: a fresh ArrayBuffer per packet costs more than the copy on Deno).
      deliver(this.#handlers, packetSlab.copy(bytes), peer);
    }
  }

  #settle(): void {
    this.#inFlight--;
    if (this.#inFlight < this.#maxInFlight) this.#waiters.wake();
  }

  send(bytes: Uint8Array, peer: PeerAddress): void {
    checkSend("udp", this.#closed, bytes, this.maxPacketSize);
    if (this.#inFlight >= this.#maxInFlight) return; // local pressure: dropped, as the kernel would
    this.#inFlight++;
    let last = this.#lastTo;
    if (last?.peer !== peer) {
      last = this.#lastTo = {
        peer,
        to: { hostname: peer.hostname, port: peer.port, transport: "udp" },
      };
    }
    this.#conn.send(bytes, last.to).then(this.#onSent, this.#onFailed);
  }

  ready(_peer: PeerAddress): Promise<void> {
    if (this.#closed || this.#inFlight < this.#maxInFlight) return Promise.resolve();
    return this.#waiters.wait();
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#conn.close();
      this.#waiters.wake();
    }
    await this.#receiving;
  }
}
