/**
 * One worker's half of the routing between workers that share a port. The kernel's
 * `SO_REUSEPORT` hash picks the worker for each flow; this makes sure a packet still reaches the
 * worker that owns its client ID when that pick is wrong (the client's address changed, or the
 * kernel rehashed after a worker restarted):
 *
 * - a middleware, first in the pipeline, lets through every packet with a session here
 *   (`ctx.session`, or `ctx.claimed` for a session here at another address); for any other it
 *   claims the client ID in the shared directory, or, when another worker owns it, stops it and
 *   forwards its raw bytes and peer address to the owner;
 * - a transport wrapper keeps the raw bytes of the packet being handled, feeds forwarded packets
 *   to the owner's endpoint through the same link handlers its own socket uses, and sends the
 *   replies for a stream peer back through the worker holding its connection (a UDP reply leaves
 *   from the owner's own socket: every socket of the group sends from the shared port).
 *
 * @module
 */
import type { PacketContext } from "../core/context.ts";
import type { Plugin } from "../core/plugin.ts";
import {
  addressKey,
  type Link,
  type LinkHandlers,
  type PeerAddress,
  type Transport,
} from "../core/transport.ts";
import type { ForwardMessage, FromWorker, PeerMessage, WorkerStats } from "./_messages.ts";
import { DIRECTORY_FULL, type SharedDirectory } from "./directory.ts";

/** The packet being handled, as it came off the wire. */
interface Raw {
  bytes: Uint8Array;
  peer: PeerAddress;
  forwarded: boolean;
}

/** Routes one worker's packets to the owners of their client IDs. */
export class WorkerRouter {
  /** This worker's index. */
  readonly index: number;
  /** Counters for `WorkerPool.stats()`. */
  readonly stats: Omit<WorkerStats, "index" | "sessions"> = {
    packetsIn: 0,
    forwardedOut: 0,
    forwardedIn: 0,
    unroutable: 0,
  };
  readonly #directory: SharedDirectory;
  readonly #post: (message: FromWorker) => void;
  #raw: Raw | undefined;
  #link: Link | undefined;
  #handlers: LinkHandlers | undefined;
  /** Owner side: stream peers whose connection another worker holds, by address key. */
  readonly #proxied = new Map<string, number>();
  /** Connection side: stream peers whose packets went to another worker, by address key. */
  readonly #forwardedTo = new Map<string, number>();

  /** @param post sends a message to the supervisor */
  constructor(index: number, directory: SharedDirectory, post: (message: FromWorker) => void) {
    this.index = index;
    this.#directory = directory;
    this.#post = post;
  }

  /** The routing plugin; put it first in the endpoint's plugin list. */
  plugin(): Plugin {
    return {
      name: "thing:workers",
      setup: (api) => {
        api.use((ctx, next) => {
          if (ctx.direction === "out" || ctx.session || ctx.claimed) return next();
          return this.#route(ctx, next, (id) => api.sessions.get(id) !== undefined);
        });
        api.on("close", ({ session }) => this.#directory.release(session.clientId, this.index));
      },
    };
  }

  #route(
    ctx: PacketContext,
    next: () => void | Promise<void>,
    hasSession: (clientId: Uint8Array) => boolean,
  ): void | Promise<void> {
    const clientId = ctx.packet.clientId;
    const owner = this.#directory.claim(clientId, this.index);
    if (owner === this.index) {
      const release = () => {
        if (!hasSession(clientId)) this.#directory.release(clientId, this.index);
      };
      const result = next();
      if (result instanceof Promise) return result.finally(release);
      return release();
    }
    const raw = this.#raw;
    if (owner === DIRECTORY_FULL || raw === undefined || raw.forwarded) {
      this.stats.unroutable++;
      return ctx.drop(owner === DIRECTORY_FULL ? "workers-directory-full" : "workers-owner-moved");
    }
    // Not calling next() ends the packet here: the owner handles it, so it is not a drop.
    this.stats.forwardedOut++;
    const stream = this.#link?.kind === "stream";
    if (stream) this.#forwardedTo.set(addressKey(raw.peer), owner);
    const bytes = raw.bytes.slice(); // the link may reuse its buffer; this copy is transferred
    this.#post({ t: "forward", to: owner, bytes, peer: raw.peer, stream });
  }

  /** Wraps `inner` so its listening link routes through this router. */
  transport(inner: Transport): Transport {
    return {
      name: inner.name,
      kind: inner.kind,
      listen: async (bind, handlers) => {
        this.#handlers = handlers;
        const link = await inner.listen(bind, {
          packet: (bytes, peer) => {
            this.stats.packetsIn++;
            this.#deliver(bytes, peer, false);
          },
          error: (error) => handlers.error?.(error),
          peerClosed: (peer) => this.#peerClosed(peer),
        });
        this.#link = link;
        return this.#wrap(link);
      },
      connect: (remote, handlers) => inner.connect(remote, handlers),
    };
  }

  /** Handles a message the supervisor relayed from another worker. */
  receive(message: ForwardMessage | PeerMessage): void {
    const from = message.from!;
    const peer = message.peer;
    switch (message.t) {
      case "forward":
        this.stats.forwardedIn++;
        if (message.stream) this.#proxied.set(addressKey(peer), from);
        return this.#deliver(message.bytes, peer, true);
      case "send":
        return this.#sendLocal(message.bytes!, peer);
      case "disconnect":
        return this.#link?.disconnect?.(peer);
      case "peer-closed":
        this.#proxied.delete(addressKey(peer));
        return this.#handlers?.peerClosed?.(peer);
    }
  }

  #deliver(bytes: Uint8Array, peer: PeerAddress, forwarded: boolean): void {
    this.#raw = { bytes, peer, forwarded };
    try {
      this.#handlers?.packet(bytes, peer);
    } finally {
      this.#raw = undefined;
    }
  }

  #peerClosed(peer: PeerAddress): void {
    const key = addressKey(peer);
    const owner = this.#forwardedTo.get(key);
    if (owner !== undefined) {
      this.#forwardedTo.delete(key);
      this.#post({ t: "peer-closed", to: owner, peer });
    }
    this.#handlers?.peerClosed?.(peer);
  }

  #sendLocal(bytes: Uint8Array, peer: PeerAddress): void {
    try {
      this.#link?.send(bytes, peer);
    } catch (error) {
      this.#handlers?.error?.(error as Error);
    }
  }

  /** The link the endpoint sees: sends to a proxied stream peer go to its connection's worker. */
  #wrap(link: Link): Link {
    if (link.kind !== "stream") return link;
    const proxied = this.#proxied;
    const post = this.#post;
    return {
      kind: link.kind,
      maxPacketSize: link.maxPacketSize,
      localAddress: link.localAddress,
      send(bytes, peer) {
        const via = proxied.size === 0 ? undefined : proxied.get(addressKey(peer));
        if (via === undefined) return link.send(bytes, peer);
        post({ t: "send", to: via, bytes: bytes.slice(), peer });
      },
      ready: (peer) =>
        proxied.has(addressKey(peer)) ? Promise.resolve() : link.ready?.(peer) ?? Promise.resolve(),
      disconnect(peer) {
        const via = proxied.get(addressKey(peer));
        if (via === undefined) return link.disconnect?.(peer);
        post({ t: "disconnect", to: via, peer });
      },
      close: () => link.close(),
    };
  }
}
