/**
 * The framed path of the data plugin: the `messenger` behind `session.send()` when the handshake
 * negotiated FRAMED packets (the framed extension, docs/PROTOCOL.md §2.7), and the receiving of
 * FRAMED packets. Sessions that did not negotiate it use the seed path (`DataSender`); messages
 * sent before the handshake finished wait here and go the way it decided.
 *
 * @module
 */
import { packetSlab } from "../../core/byte_slab.ts";
import type { PacketContext } from "../../core/context.ts";
import { SessionError } from "../../core/errors.ts";
import { MAX_PAYLOAD_SIZE } from "../../core/packet.ts";
import type { Messenger, PluginApi } from "../../core/plugin.ts";
import type { SendOptions, Session, SessionControl } from "../../core/session.ts";
import { checkMessage } from "./_message.ts";
import { FRAMED_EXTENSION, frameTypeFor, isReliableFrame, MAX_CHANNEL } from "./channels.ts";
import type { DataSender } from "./data_sender.ts";
import { closedError, FramedLink } from "./framed_link.ts";
import { SEQUENCED_HEADER } from "./frames.ts";
import type { ResolvedDataOptions } from "./options.ts";

/**
 * The largest message a FRAMED packet carries: the payload limit less a message frame's header and
 * the 16-byte tag a sealing session layer adds (the hybrid's), so that it fits under every dialect.
 */
export const MAX_FRAMED_MESSAGE = MAX_PAYLOAD_SIZE - SEQUENCED_HEADER - 16;

/** Sessions' framed links, the messenger over them and the seed path, and FRAMED receiving. */
export class FramedData implements Messenger {
  readonly #api: PluginApi;
  readonly #opts: ResolvedDataOptions;
  readonly #seed: DataSender;
  readonly #links = new WeakMap<Session, FramedLink>();

  /** @param seed the seed path, for sessions that did not negotiate FRAMED */
  constructor(api: PluginApi, opts: ResolvedDataOptions, seed: DataSender) {
    this.#api = api;
    this.#opts = opts;
    this.#seed = seed;
  }

  /** Whether `control`'s handshake negotiated FRAMED packets. */
  negotiated(control: SessionControl): boolean {
    // A loop, not some(): this runs for every message sent and every packet received.
    for (const extension of control.extensions) {
      if (extension.type === FRAMED_EXTENSION) return true;
    }
    return false;
  }

  /** `session.send()`: framed when negotiated (or not yet known), else the seed path. */
  send(session: Session, data: Uint8Array, options: SendOptions): Promise<void> {
    const known = this.#links.get(session);
    const control = known ? known.control : this.#api.control(session);
    if (session.state === "open" && !this.negotiated(control)) {
      return this.#seed.send(session, data, options);
    }
    const { reliable = true, customId = 0, channel = 0 } = options;
    const invalid = checkMessage(data, customId) ?? this.#checkChannel(channel, data);
    if (invalid) return Promise.reject(invalid);
    const type = frameTypeFor(this.#opts.channels[channel]!, reliable);
    const bytes = isReliableFrame(type) ? packetSlab.copy(data) : data;
    const link = known?.incarnation === control.id ? known : this.#linkOf(control);
    return new Promise((resolve, reject) => {
      link.enqueue(bytes, channel, customId, type, resolve, reject);
    });
  }

  /** `session.cork()` / `uncork()`. */
  cork(session: Session, corked: boolean): void {
    this.#linkOf(this.#api.control(session)).cork(corked);
  }

  /** The session is open (again): send what waits, framed or, if not negotiated, the seed way. */
  wake(session: Session): void {
    if (!this.#links.has(session)) return;
    const control = this.#api.control(session);
    const link = this.#linkOf(control);
    if (this.negotiated(control)) return link.flush();
    for (const message of link.drain()) {
      const reliable = isReliableFrame(message.type);
      const options = { reliable, customId: message.customId, channel: message.channel };
      this.#seed.send(session, message.data, options).then(message.resolve, message.reject);
    }
  }

  /** The session closed: what was queued or in flight fails. */
  close(session: Session, reason: string, error: Error | undefined): void {
    const link = this.#links.get(session);
    if (!link) return;
    this.#links.delete(session);
    link.failAll(closedError(session.id, reason, error));
  }

  /** A FRAMED packet arrived: drop it whole or take it whole (docs/PROTOCOL.md §2.7). */
  receive(ctx: PacketContext): void {
    const session = ctx.session;
    if (!session || session.state === "closed") return ctx.drop("no-session");
    const known = this.#links.get(session);
    const control = known ? known.control : this.#api.control(session);
    if (!this.negotiated(control)) return ctx.drop("not-negotiated");
    const link = known?.incarnation === control.id ? known : this.#linkOf(control);
    const now = this.#api.clock.now();
    const receiver = link.receiver;
    const drop = receiver.receive(ctx.packet.order, ctx.packet.payload, now, ctx.authenticated);
    if (drop !== undefined) {
      if (receiver.ackOwed) link.schedule();
      return ctx.drop(drop);
    }
    // Read before anything runs that could take another packet.
    const { ack, deliveries } = receiver;
    if (ack) link.onAck(ack, now);
    for (const { data, customId, channel, type } of deliveries) {
      this.#api.emit("message", {
        session,
        data,
        customId,
        reliable: isReliableFrame(type),
        channel,
      });
    }
    if (receiver.ackOwed) link.schedule();
  }

  /**
   * A packet of the session that is not FRAMED went through the pipeline: if it was taken, its
   * number goes into the session's ACK ranges (`FramedReceive.noteOther`; in a sealed session only
   * an authenticated one).
   */
  noteOther(ctx: PacketContext): void {
    const session = ctx.session;
    if (ctx.dropped || !session) return;
    const link = this.#links.get(session);
    if (!link || link.incarnation !== link.control.id) return;
    link.receiver.noteOther(ctx.packet.order, ctx.authenticated);
  }

  #checkChannel(channel: number, data: Uint8Array): Error | undefined {
    if (!Number.isInteger(channel) || channel < 0 || channel > MAX_CHANNEL) {
      return new RangeError(`Cannot send on channel ${channel}: use an integer from 0 to 255`);
    }
    if (!this.#opts.channels[channel]) {
      return new RangeError(
        `Cannot send on channel ${channel}: it is not configured; add it to the channels option of both ends`,
      );
    }
    if (data.length > MAX_FRAMED_MESSAGE) {
      return new RangeError(
        `Cannot send a message of ${data.length} bytes in a FRAMED packet: the limit is ${MAX_FRAMED_MESSAGE}; split it`,
      );
    }
    return undefined;
  }

  // The link of `control` (a session has one control for its life, so a caller that found the
  // session's link has its control too). A re-established session (a new client ID) is another
  // incarnation: it gets a new link; what was sent fails (delivery unknown), what still waited
  // moves over.
  #linkOf(control: SessionControl): FramedLink {
    const session = control.session;
    const link = this.#links.get(session);
    if (link && link.incarnation === control.id) return link;
    const fresh = new FramedLink(this.#api, control, this.#opts);
    this.#links.set(session, fresh);
    if (link) {
      const waiting = link.drain();
      link.failAll(
        new SessionError(
          "THING_ERR_NOT_CONNECTED",
          `Cannot confirm delivery on session ${session.id}: it was re-established before the ACK came; send again if needed`,
        ),
      );
      for (const m of waiting) {
        fresh.enqueue(m.data, m.channel, m.customId, m.type, m.resolve, m.reject);
      }
    }
    return fresh;
  }
}
