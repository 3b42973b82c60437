/**
 * The context every middleware and packet handler receives.
 *
 * @module
 */
import type { DropReason } from "./events.ts";
import type { Packet, PacketInit } from "./packet.ts";
import type { Session } from "./session.ts";
import type { PeerAddress } from "./transport.ts";

/**
 * Per-packet state that middleware share. Augment it to add typed slots:
 *
 * ```ts
 * declare module "@thing/net" { interface ContextState { startedAt: number } }
 * ```
 */
// deno-lint-ignore no-empty-interface
export interface ContextState {}

/** What the context needs from the endpoint. */
export interface ContextHost {
  /** Sends a packet to `peer` with `clientId`, in `session` when given. */
  sendTo(peer: PeerAddress, clientId: Uint8Array, init: PacketInit, session?: Session): void;
  /** Counts and reports a dropped inbound packet. */
  drop(ctx: PacketContext, reason: DropReason, error?: Error): void;
}

/**
 * One packet on its way in or out, with where it came from or goes to. `Body` is the decoded
 * payload's type, known to a handler registered with a packet type token.
 */
export class PacketContext<Body = unknown> {
  /** `in` for received packets, `out` for packets being sent. */
  readonly direction: "in" | "out";
  /**
   * The packet; middleware may replace its payload (e.g. to encrypt or decrypt it). Outbound, its
   * byte fields are valid until the pipeline has run: payload buffers are reused for later packets
   * once sent (a large packet's, `core/frame_pool.ts`; a stream frame's), so copy what you keep.
   */
  packet: Packet;
  /** The remote address. */
  readonly peer: PeerAddress;
  /** The session this packet belongs to, if one exists at this peer's address. */
  session: Session | undefined;
  /** Inbound only: a session with this client ID exists, but at another address. */
  readonly claimed: Session | undefined;
  /** The payload decoded by the packet type's codec or schema, once decoded. */
  body: Body = undefined as Body;
  /** Whether the packet was dropped (it then goes no further). */
  dropped = false;
  /**
   * Inbound: whether a plugin authenticated this packet, header and payload, as coming from the
   * session's peer (set by the plugin that checked it, such as the Thing session plugin once a
   * sealed packet's tag verified). Later middleware and handlers may trust what it says, for
   * example about packet numbers; `false` means nothing vouches for it beyond the checksum.
   */
  authenticated = false;
  #state: Partial<ContextState> | undefined;
  readonly #host: ContextHost;

  /** Created by the endpoint. */
  constructor(
    host: ContextHost,
    direction: "in" | "out",
    packet: Packet,
    peer: PeerAddress,
    session: Session | undefined,
    claimed?: Session,
  ) {
    this.#host = host;
    this.direction = direction;
    this.packet = packet;
    this.peer = peer;
    this.session = session;
    this.claimed = claimed;
  }

  /** Typed state shared by the middleware of this packet. */
  get state(): Partial<ContextState> {
    return (this.#state ??= {});
  }

  /** Answers the sender: same client ID, in the session when there is one. */
  reply(init: PacketInit): void {
    this.#host.sendTo(this.peer, this.packet.clientId, init, this.session);
  }

  /** Stops this packet here and counts it as dropped for `reason`. */
  drop(reason: DropReason, error?: Error): void {
    if (this.dropped) return;
    this.dropped = true;
    this.#host.drop(this, reason, error);
  }
}
