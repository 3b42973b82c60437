/**
 * An in-process datagram network: links on hosts named `mem-1`, `mem-2`, … exchange packets
 * through an optional seeded `Impairment`, so plugins can be tested end to end without sockets.
 *
 * @module
 */

import { SeededRandom } from "../../core/clock.ts";
import { TransportError } from "../../core/errors.ts";
import {
  addressKey,
  type BindOptions,
  type Link,
  type LinkHandlers,
  type PeerAddress,
  type Transport,
} from "../../core/transport.ts";
import { checkSend, resolveMaxPacketSize } from "../_limits.ts";
import { deliver } from "../_runtime.ts";
import { type Delivery, Impairment, type ImpairmentOptions } from "./impairment.ts";

/** Options for `memoryNetwork()`. */
export interface MemoryNetworkOptions {
  /** Seed for every impairment decision (default 1). */
  seed?: number;
  /** Applied to each direction between two links; none means perfect delivery. */
  impairment?: ImpairmentOptions;
}

/** Options for `memory()`. */
export interface MemoryOptions {
  /** The largest packet `send` accepts (64..65,507, default 65,507). */
  maxPacketSize?: number;
}

const FIRST_PORT = 49_152;

/** The shared medium memory links talk over. Create it with `memoryNetwork()`. */
export class MemoryNetwork {
  readonly #random: SeededRandom;
  readonly #impairment: ImpairmentOptions | undefined;
  readonly #paths = new Map<string, Impairment>();
  readonly #links = new Map<string, MemoryLink>();
  readonly #hosts = new Set<string>();
  #nextHost = 1;
  #nextPort = FIRST_PORT;

  /** Validates the impairment options up front (RangeError on a bad value). */
  constructor(options: MemoryNetworkOptions = {}) {
    this.#random = new SeededRandom(options.seed ?? 1);
    this.#impairment = options.impairment;
    if (options.impairment) new Impairment(options.impairment, this.#random);
  }

  /** A host name no link uses yet: `mem-1`, `mem-2`, … */
  nextHostname(): string {
    let name = `mem-${this.#nextHost++}`;
    while (this.#hosts.has(name)) name = `mem-${this.#nextHost++}`;
    return name;
  }

  /** Binds `link` at `address` (port 0: the next free port); throws when the address is taken. */
  bind(address: BindOptions, link: MemoryLink): PeerAddress {
    let port = address.port;
    if (port === 0) {
      do port = this.#nextPort++; while (this.#links.has(addressKey({ ...address, port })));
    }
    const bound = { hostname: address.hostname, port };
    const key = addressKey(bound);
    if (this.#links.has(key)) {
      throw new TransportError(
        "THING_ERR_ADDRESS_IN_USE",
        `Cannot bind memory to '${key}': the address is in use; pick another port or pass port 0`,
      );
    }
    this.#links.set(key, link);
    this.#hosts.add(bound.hostname);
    return bound;
  }

  /** Frees `address` for another link. */
  unbind(address: PeerAddress, link: MemoryLink): void {
    const key = addressKey(address);
    if (this.#links.get(key) === link) this.#links.delete(key);
  }

  /** Plans one packet's fate from `from` to `to`, at `now` (ms, `performance.now()` base). */
  plan(from: PeerAddress, to: PeerAddress, bytes: Uint8Array, now: number): Delivery[] {
    if (!this.#impairment) return [{ bytes, at: now }];
    const path = `${addressKey(from)}>${addressKey(to)}`;
    let impairment = this.#paths.get(path);
    if (!impairment) {
      impairment = new Impairment(this.#impairment, this.#random);
      this.#paths.set(path, impairment);
    }
    return impairment.plan(bytes, now);
  }

  /** The link bound at `address`, if any. */
  lookup(address: PeerAddress): MemoryLink | undefined {
    return this.#links.get(addressKey(address));
  }
}

/** A link on a `MemoryNetwork`. Delays use real timers; undelayed packets arrive on a microtask. */
export class MemoryLink implements Link {
  readonly kind = "datagram" as const;
  readonly maxPacketSize: number;
  readonly localAddress: PeerAddress;
  readonly #network: MemoryNetwork;
  readonly #handlers: LinkHandlers;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  /** Binds a link at `address` on `network`; `memory(network)` is the usual way in. */
  constructor(
    network: MemoryNetwork,
    address: BindOptions,
    handlers: LinkHandlers,
    maxPacketSize: number,
  ) {
    this.#network = network;
    this.#handlers = handlers;
    this.maxPacketSize = maxPacketSize;
    this.localAddress = network.bind(address, this);
  }

  /** Hands an arriving packet to the handlers unless the link has closed. */
  receive(bytes: Uint8Array, from: PeerAddress): void {
    if (!this.#closed) deliver(this.#handlers, bytes, from);
  }

  send(bytes: Uint8Array, peer: PeerAddress): void {
    checkSend("memory", this.#closed, bytes, this.maxPacketSize);
    const from = this.localAddress;
    const to = { hostname: peer.hostname, port: peer.port };
    const now = performance.now();
    for (const { bytes: arriving, at } of this.#network.plan(from, to, bytes.slice(), now)) {
      const arrive = () => this.#network.lookup(to)?.receive(arriving, from);
      if (at <= now) {
        queueMicrotask(arrive);
        continue;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        arrive();
      }, at - now);
      this.#timers.add(timer);
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#network.unbind(this.localAddress, this);
    }
    return Promise.resolve();
  }
}

/** Creates an in-process network; give it to `memory()` to get a transport over it. */
export function memoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  return new MemoryNetwork(options);
}

/**
 * A datagram transport over `network`. `listen` binds the host name asked for (empty: a fresh
 * `mem-N`); `connect` binds a fresh `mem-N` host for the client.
 *
 * @example
 * ```ts
 * import { memory, memoryNetwork } from "@thing/net/transports/memory";
 *
 * const net = memoryNetwork({ seed: 7, impairment: { loss: 0.05, delay: 10 } });
 * const server = await memory(net).listen({ hostname: "mem-1", port: 9 }, { packet() {} });
 * await server.close();
 * ```
 */
export function memory(network: MemoryNetwork, options: MemoryOptions = {}): Transport {
  const maxPacketSize = resolveMaxPacketSize(options.maxPacketSize);
  const open = (address: BindOptions, handlers: LinkHandlers): Promise<Link> => {
    try {
      return Promise.resolve(new MemoryLink(network, address, handlers, maxPacketSize));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    name: "memory",
    kind: "datagram",
    listen: (bind, handlers) =>
      open({ hostname: bind.hostname || network.nextHostname(), port: bind.port }, handlers),
    connect: (_remote, handlers) => open({ hostname: network.nextHostname(), port: 0 }, handlers),
  };
}
