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
// a fresh 64 KiB buffer costs ~9 µs on Deno). Only a buffer no delivered packet is a view of.
const spareBuffers: Uint8Array[] = [];
const MAX_SPARE_BUFFERS = 8;

/** Datagrams up to this size are copied out of the receive buffer into the shared packet slab. */
const COPIED_DATAGRAM = 4096;
/**
 * Receive buffers after a large datagram: datagrams above COPIED_DATAGRAM are handed over as views
 * of them, and the next receive goes past each. Copying a 16 KiB datagram into an array of its own
 * cost ~2.3 µs on Deno; a 512 KiB buffer costs ~20 µs and serves 27 of them. A buffer stays in
 * memory while any datagram in it is kept (at most 128 times its size, for one of 4 KiB).
 */
const LARGE_RECEIVE_BUFFER = 512 * 1024;

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
    const area = { buffer: spareBuffers.pop() ?? new Uint8Array(MAX_PACKET_SIZE), used: 0 };
    try {
      await this.#receiveInto(area);
    } finally {
      // The loop has ended and no receive is pending on it: the next link may read into it.
      if (area.used === 0 && spareBuffers.length < MAX_SPARE_BUFFERS) {
        spareBuffers.push(area.buffer.subarray(0, MAX_PACKET_SIZE));
      }
    }
  }

  /**
   * Receives into `area.buffer` at `area.used`, with room for the largest packet. The contract
   * hands bytes over: a small datagram is copied out (into a slab: a fresh ArrayBuffer per packet
   * costs more than the copy on Deno) and its room read into again; a large one is handed over as
   * it lies, and the next receive goes past it, into a new buffer once the room runs out.
   */
  async #receiveInto(area: { buffer: Uint8Array; used: number }): Promise<void> {
    while (!this.#closed) {
      let received: [Uint8Array, DenoUdpAddr];
      const { buffer, used } = area;
      try {
        received = await this.#conn.receive(
          new Uint8Array(buffer.buffer, buffer.byteOffset + used, MAX_PACKET_SIZE),
        );
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
      if (bytes.length <= COPIED_DATAGRAM) {
        deliver(this.#handlers, packetSlab.copy(bytes), peer);
        continue;
      }
      // Views start on an 8-byte boundary, as the slab's do.
      area.used = (used + bytes.length + 7) & ~7;
      if (buffer.length - area.used < MAX_PACKET_SIZE) {
        area.buffer = new Uint8Array(LARGE_RECEIVE_BUFFER);
        area.used = 0;
      }
      deliver(this.#handlers, bytes, peer);
    }
  }

  #settle(): void {
    this.#inFlight--;
    if (this.#inFlight < this.#maxInFlight) this.#waiters.wake();
  }

  send(bytes: Uint8Array, peer: PeerAddress, sent?: () => void): void {
    checkSend("udp", this.#closed, bytes, this.maxPacketSize);
    // Local pressure: dropped, as the kernel would.
    if (this.#inFlight >= this.#maxInFlight) return sent?.();
    this.#inFlight++;
    let last = this.#lastTo;
    if (last?.peer !== peer) {
      last = this.#lastTo = {
        peer,
        to: { hostname: peer.hostname, port: peer.port, transport: "udp" },
      };
    }
    const sending = this.#conn.send(bytes, last.to);
    if (!sent) return void sending.then(this.#onSent, this.#onFailed);
    // The send op holds `bytes` until it settles, either way.
    sending.then(() => {
      this.#onSent();
      sent();
    }, (error) => {
      this.#onFailed(error);
      sent();
    });
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
