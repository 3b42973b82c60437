/**
 * The one I/O loop: moves bytes between a `Link` and an `Endpoint` and turns the endpoint's
 * deadlines into real timers. The only place in the core that calls `setTimeout`.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Endpoint } from "./endpoint.ts";
import type { Link, LinkHandlers, PeerAddress } from "./transport.ts";

/** Runs an endpoint over a link. */
export class Driver {
  readonly #endpoint: Endpoint;
  readonly #clock: Clock;
  #link: Link | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt: number | undefined;
  #flushQueued = false;
  #closed = false;

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
      try {
        link.send(next.bytes, next.peer);
      } catch (error) {
        this.#endpoint.reportError(error);
      }
    }
    this.#arm();
  }

  /** Stops the timer and detaches; the caller closes the link. */
  stop(): void {
    this.#closed = true;
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
