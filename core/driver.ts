/**
 * The one I/O loop: moves bytes between a `Link` and an `Endpoint` and turns the endpoint's
 * deadlines into real timers. The only place in the core that calls `setTimeout`. It honours a
 * stream link's backpressure: a packet the link refuses with `THING_ERR_BACKPRESSURE` waits, with
 * every later packet for that peer (up to `MAX_HELD_BYTES`), until `link.ready(peer)`; other
 * peers are not held up.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Endpoint } from "./endpoint.ts";
import { TransportError } from "./errors.ts";
import type { Transmit } from "./transmit_queue.ts";
import {
  addressKey,
  type Link,
  type LinkHandlers,
  MAX_HELD_BYTES,
  type PeerAddress,
} from "./transport.ts";

interface Held {
  packets: Transmit[];
  bytes: number;
}

/** Runs an endpoint over a link. */
export class Driver {
  readonly #endpoint: Endpoint;
  readonly #clock: Clock;
  #link: Link | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt: number | undefined;
  #flushQueued = false;
  #closed = false;
  /** Packets waiting for `link.ready(peer)`, by peer. */
  readonly #held = new Map<string, Held>();

  /** @param endpoint the protocol engine to drive */
  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
    this.#clock = endpoint.clock;
    endpoint.setWaker(() => this.#queueFlush());
  }

  /** Handlers to pass to `Transport.listen`/`connect`. */
  get handlers(): LinkHandlers {
    return {
      packet: (bytes: Uint8Array, peer: PeerAddress) => {
        if (this.#closed) return;
        this.#endpoint.handleDatagram(bytes, peer);
        this.flush();
      },
      error: (error: Error) => this.#endpoint.reportError(error),
      peerClosed: (peer: PeerAddress) => {
        this.#endpoint.handlePeerClosed(peer);
        this.flush();
      },
    };
  }

  /** Attaches the link the handlers were given to; queued packets go out now. */
  attach(link: Link): void {
    this.#link = link;
    this.flush();
  }

  /** Sends every queued packet and re-arms the timer. */
  flush(): void {
    const link = this.#link;
    if (!link || this.#closed) return;
    for (let next = this.#endpoint.pollTransmit(); next; next = this.#endpoint.pollTransmit()) {
      this.#send(link, next);
    }
    this.#arm();
  }

  #send(link: Link, packet: Transmit): void {
    const held = this.#held.size === 0 ? undefined : this.#held.get(addressKey(packet.peer));
    if (held) return this.#hold(held, packet);
    try {
      link.send(packet.bytes, packet.peer, packet.release);
    } catch (error) {
      const pressure = error instanceof TransportError && error.code === "THING_ERR_BACKPRESSURE";
      if (!pressure || !link.ready) return this.#endpoint.reportError(error);
      this.#waitForRoom(link, packet);
    }
  }

  #waitForRoom(link: Link, packet: Transmit): void {
    const key = addressKey(packet.peer);
    const held: Held = { packets: [packet], bytes: packet.bytes.length };
    this.#held.set(key, held);
    const release = () => {
      if (this.#held.get(key) !== held) return;
      this.#held.delete(key);
      if (this.#closed) return;
      // In order; one the link refuses again starts a new wait that the rest queue behind.
      for (const waiting of held.packets) this.#send(link, waiting);
    };
    link.ready!(packet.peer).then(release, (error) => {
      this.#endpoint.reportError(error);
      release();
    });
  }

  #hold(held: Held, packet: Transmit): void {
    if (held.bytes + packet.bytes.length > MAX_HELD_BYTES) {
      return this.#endpoint.reportError(
        new TransportError(
          "THING_ERR_BACKPRESSURE",
          `Dropped a packet for '${
            addressKey(packet.peer)
          }': ${held.bytes} bytes already wait for it to read; the peer is not keeping up`,
        ),
      );
    }
    held.packets.push(packet);
    held.bytes += packet.bytes.length;
  }

  /** Stops the timer and detaches; the caller closes the link. */
  stop(): void {
    this.#closed = true;
    this.#held.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#endpoint.setWaker(undefined);
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.flush();
    });
  }

  #arm(): void {
    const at = this.#endpoint.pollTimeout();
    if (at === undefined || (this.#armedAt !== undefined && this.#armedAt <= at)) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(at - this.#clock.now())));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = undefined;
    if (this.#closed) return;
    this.#endpoint.handleTimeout();
    this.flush();
  }
}
