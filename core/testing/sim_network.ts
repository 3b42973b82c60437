/**
 * A deterministic simulated network for sans-IO endpoints: a manual clock, per-direction packet
 * fates (loss, delay, duplication, corruption: any `PacketFate`), and `drive()` to run everything
 * until the network is idle. No sockets, no real timers: the same seed replays the same run.
 *
 * @module
 */
import { ManualClock } from "../clock.ts";
import type { Endpoint } from "../endpoint.ts";
import { addressKey, type PeerAddress } from "../transport.ts";

/** One copy of a packet arriving at time `at`. */
export interface Delivery {
  /** The bytes that arrive (possibly a corrupted copy). */
  bytes: Uint8Array;
  /** Arrival time on the simulation clock. */
  at: number;
}

/** Decides what happens to each packet: dropped (`[]`), delivered once, or more than once. */
export interface PacketFate {
  /** The deliveries of `bytes` sent at `now`. */
  plan(bytes: Uint8Array, now: number): Delivery[];
}

/** A perfect link with a fixed one-way latency. */
export function latency(ms: number): PacketFate {
  return { plan: (bytes, now) => [{ bytes, at: now + ms }] };
}

interface InFlight {
  at: number;
  seq: number;
  to: string;
  from: PeerAddress;
  bytes: Uint8Array;
}

interface Node {
  endpoint: Endpoint;
  address: PeerAddress;
}

/** A set of endpoints on one manual clock, connected by simulated links. */
export class SimNetwork {
  /** The clock every endpoint of this network must use. */
  readonly clock: ManualClock;
  /** Packets handed to the network, including ones it then lost. */
  sent = 0;
  readonly #nodes = new Map<string, Node>();
  readonly #fates = new Map<string, PacketFate>();
  readonly #defaultFate: PacketFate;
  #inFlight: InFlight[] = [];
  #seq = 0;

  /** @param options the clock and the fate of packets on links without their own */
  constructor(options: { clock?: ManualClock; fate?: PacketFate } = {}) {
    this.clock = options.clock ?? new ManualClock();
    this.#defaultFate = options.fate ?? latency(1);
  }

  /** Puts `endpoint` on the network at `address`. Its clock must be `this.clock`. */
  add(endpoint: Endpoint, address: PeerAddress): void {
    if (endpoint.clock !== this.clock) {
      throw new TypeError(
        "Cannot add an endpoint with its own clock: build it with the network's clock",
      );
    }
    this.#nodes.set(addressKey(address), { endpoint, address });
  }

  /** Sets the fate of packets from `from` to `to`. */
  setFate(from: PeerAddress, to: PeerAddress, fate: PacketFate): void {
    this.#fates.set(`${addressKey(from)}>${addressKey(to)}`, fate);
  }

  /** Moves an endpoint to a new address (a client whose NAT rebinds). */
  move(from: PeerAddress, to: PeerAddress): void {
    const node = this.#nodes.get(addressKey(from));
    if (!node) throw new RangeError(`Cannot move ${addressKey(from)}: no endpoint is there`);
    this.#nodes.delete(addressKey(from));
    this.#nodes.set(addressKey(to), { endpoint: node.endpoint, address: to });
  }

  /** Packets on the wire right now. */
  get inFlight(): number {
    return this.#inFlight.length;
  }

  /**
   * Runs until no packet is queued or in flight, firing timers that fall due on the way, for at
   * most `maxTime` ms of simulated time. Returns whether the network went idle.
   */
  async drive(maxTime = 60_000): Promise<boolean> {
    const end = this.clock.now() + maxTime;
    for (;;) {
      await this.#collect();
      const next = this.#inFlight[0];
      if (!next) return true;
      const timer = this.#nextTimer();
      const at = timer !== undefined && timer < next.at ? timer : next.at;
      if (at > end) return false;
      await this.#advanceTo(at);
    }
  }

  /** Runs everything, timers included, for `ms` of simulated time. */
  async runFor(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    await this.runUntil(() => false, ms);
    this.clock.set(end);
  }

  /** Runs everything until `done()` is true or `maxTime` ms pass. Returns `done()`. */
  async runUntil(done: () => boolean, maxTime = 60_000): Promise<boolean> {
    const end = this.clock.now() + maxTime;
    for (;;) {
      await this.#collect();
      if (done()) return true;
      const packet = this.#inFlight[0]?.at;
      const timer = this.#nextTimer();
      const candidates = [packet, timer].filter((t): t is number => t !== undefined);
      if (candidates.length === 0) return done();
      const at = Math.min(...candidates);
      if (at > end) {
        this.clock.set(end);
        return done();
      }
      await this.#advanceTo(at);
    }
  }

  #nextTimer(): number | undefined {
    let best: number | undefined;
    for (const { endpoint } of this.#nodes.values()) {
      const at = endpoint.pollTimeout();
      if (at !== undefined && (best === undefined || at < best)) best = at;
    }
    return best;
  }

  async #advanceTo(at: number): Promise<void> {
    // Let every pending promise chain settle before time moves: work an endpoint has started but
    // not finished (a close awaiting its sessions) must see the clock as it was.
    if (at > this.clock.now()) await new Promise<void>((resolve) => setImmediate(resolve));
    this.clock.set(at);
    const now = this.clock.now();
    while (this.#inFlight[0] && this.#inFlight[0].at <= now) {
      const packet = this.#inFlight.shift()!;
      this.#nodes.get(packet.to)?.endpoint.handleDatagram(packet.bytes, packet.from);
    }
    for (const { endpoint } of this.#nodes.values()) {
      const due = endpoint.pollTimeout();
      if (due !== undefined && due <= now) endpoint.handleTimeout();
    }
  }

  async #collect(): Promise<void> {
    for (const node of this.#nodes.values()) await node.endpoint.idle();
    const now = this.clock.now();
    for (const node of this.#nodes.values()) {
      for (let t = node.endpoint.pollTransmit(); t; t = node.endpoint.pollTransmit()) {
        this.sent++;
        const to = addressKey(t.peer);
        const fate = this.#fates.get(`${addressKey(node.address)}>${to}`) ?? this.#defaultFate;
        for (const delivery of fate.plan(t.bytes, now)) {
          this.#inFlight.push({
            at: delivery.at,
            seq: this.#seq++,
            to,
            from: node.address,
            bytes: delivery.bytes,
          });
        }
      }
    }
    this.#inFlight.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
