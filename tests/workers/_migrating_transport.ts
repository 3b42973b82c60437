/**
 * A client transport whose link can move to a new local port mid-session, as a client behind a
 * NAT that rebinds does: `migrate()` opens a fresh link through the inner transport (a new source
 * port, or a new TCP connection); the old one stays open but deaf (what reaches it is dropped, as
 * a NAT drops packets for a stale mapping) until the client closes.
 *
 * @module
 */
import type { Link, LinkHandlers, Transport } from "../../core/transport.ts";

/** A transport for one client whose link can change its local address. */
export interface MigratingTransport extends Transport {
  /** Moves the link to a new local port; the endpoint keeps talking to the same server. */
  migrate(): Promise<void>;
  /** The local port packets now leave from. */
  readonly localPort: number;
}

/** Wraps `inner` for one `connect()`. */
export function migrating(inner: Transport): MigratingTransport {
  let current: Link | undefined;
  const old: Link[] = [];
  let open: (() => Promise<Link>) | undefined;
  const link: Link = {
    get kind() {
      return current!.kind;
    },
    get maxPacketSize() {
      return current!.maxPacketSize;
    },
    get localAddress() {
      return current!.localAddress;
    },
    send: (bytes, peer) => current!.send(bytes, peer),
    ready: (peer) => current!.ready?.(peer) ?? Promise.resolve(),
    close: async () => void await Promise.all([current!, ...old].map((link) => link.close())),
  };
  return {
    name: `migrating-${inner.name}`,
    kind: inner.kind,
    listen: () => Promise.reject(new TypeError("Cannot listen on a migrating client transport")),
    async connect(remote, handlers: LinkHandlers) {
      open = async () => {
        const opened: Link = await inner.connect(remote, {
          packet: (bytes, peer) => void (current === opened && handlers.packet(bytes, peer)),
          error: (error) => void (current === opened && handlers.error?.(error)),
          peerClosed: (peer) => void (current === opened && handlers.peerClosed?.(peer)),
        });
        return opened;
      };
      current = await open();
      return link;
    },
    async migrate() {
      old.push(current!);
      current = await open!();
    },
    get localPort() {
      return current!.localAddress.port;
    },
  };
}
