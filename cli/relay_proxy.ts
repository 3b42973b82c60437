/**
 * `startRelay()`: a UDP impairment proxy. It listens on one address and forwards each client's
 * datagrams to a target from a socket of that client's own (so the target sees one peer per
 * client), and the target's answers back, passing both directions through a `RelayImpairment`.
 * Real-socket fault tests use it in-process; `thing relay` runs it from the command line.
 *
 * @module
 */
import type { Link, PeerAddress } from "../core/transport.ts";
import { addressKey } from "../core/transport.ts";
import { udp } from "../transports/udp/mod.ts";
import { type RelayCounts, RelayImpairment, type RelayImpairmentOptions } from "./relay_model.ts";

/** Where the relay listens and forwards, and how it impairs each direction. */
export interface RelayOptions {
  /** Address to listen on. */
  listen: PeerAddress;
  /** Address to forward to. */
  target: PeerAddress;
  /** Impairment of client → target; its seed also seeds the other direction (seed + 1). */
  impairment: RelayImpairmentOptions;
  /** Most clients served at once; datagrams from more are dropped (default 256). */
  maxClients?: number;
}

/** A running relay. */
export interface Relay {
  /** The address clients send to (with the port the OS chose for 0). */
  readonly address: PeerAddress;
  /** What happened to client → target packets. */
  readonly upstream: RelayCounts;
  /** What happened to target → client packets. */
  readonly downstream: RelayCounts;
  /** Clients seen. */
  readonly clients: number;
  /** Stops forwarding, cancels scheduled deliveries and closes every socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a relay.
 *
 * @throws {TransportError} when the listen address cannot be bound
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const start = performance.now();
  const up = new RelayImpairment(options.impairment, start);
  const down = new RelayImpairment(
    { ...options.impairment, seed: (options.impairment.seed + 1) >>> 0 },
    start,
  );
  const maxClients = options.maxClients ?? 256;
  const transport = udp();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const upstreams = new Map<string, Promise<Link>>();
  let closed = false;

  const deliver = (model: RelayImpairment, bytes: Uint8Array, send: (b: Uint8Array) => void) => {
    const now = performance.now();
    for (const { bytes: out, at } of model.plan(bytes, now)) {
      const wait = at - now;
      if (wait <= 0) {
        send(out);
        continue;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!closed) send(out);
      }, wait);
      timers.add(timer);
    }
  };
  const safely = (link: Link, peer: PeerAddress) => (bytes: Uint8Array) => {
    try {
      link.send(bytes, peer);
    } catch {
      // A closed socket or a full queue: the datagram is lost, as on a real network.
    }
  };

  const front: Link = await transport.listen(options.listen, {
    packet(bytes, client) {
      if (closed) return;
      const key = addressKey(client);
      let upstream = upstreams.get(key);
      if (upstream === undefined) {
        if (upstreams.size >= maxClients) return;
        upstream = transport.connect(options.target, {
          packet(answer) {
            if (!closed) deliver(down, answer, safely(front, client));
          },
        });
        upstreams.set(key, upstream);
        upstream.catch(() => upstreams.delete(key));
      }
      upstream.then((link) => deliver(up, bytes, safely(link, options.target)), () => {});
    },
  });

  let closing: Promise<void> | undefined;
  return {
    address: front.localAddress,
    upstream: up.counts,
    downstream: down.counts,
    get clients() {
      return upstreams.size;
    },
    close() {
      closing ??= (async () => {
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const links = await Promise.allSettled([...upstreams.values()]);
        await Promise.allSettled([
          front.close(),
          ...links.map((link) => link.status === "fulfilled" ? link.value.close() : undefined),
        ]);
      })();
      return closing;
    },
  };
}
