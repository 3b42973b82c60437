/**
 * `connectionData()`: the Connection dialect's data plugin. It offers (client) and takes (server)
 * the framed extension in the handshake: a session that negotiated it carries its messages, on
 * channels, in FRAMED packets (`FramedData`, docs/PROTOCOL.md §2.7); any other uses the seed
 * packets, as follows. DATA_NOACK is sent once and never
 * answered; DATA_ACK is kept until an ACK naming its checksum arrives, resent on BAD_ACK, on later
 * ACKs or on a timeout, within a congestion window, and its `send()` fails with a TimeoutError
 * after `maxRetransmits` (the rules are in `DataSender`). Receivers deliver each message once,
 * however often it arrives, by its order count. It provides the `messenger` service behind
 * `session.send()` and needs only the core Session API, so any dialect that opens sessions can
 * reuse it.
 *
 * @module
 */
import { packetSlab } from "../../core/byte_slab.ts";
import type { PacketContext } from "../../core/context.ts";
import type { Plugin, PluginApi } from "../../core/plugin.ts";
import type { Session } from "../../core/session.ts";
import { ReplayWindow } from "../../reliability/mod.ts";
import { DataSender } from "./data_sender.ts";
import { dataPacketTypes } from "./packets.ts";
import { type DataOptions, parseDataOptions, type ResolvedDataOptions } from "./options.ts";
import { ACK, BAD_ACK, ConnectionPacket, FRAMED } from "./packets.ts";
import { FRAMED_EXTENSION } from "./channels.ts";
import { FramedData } from "./framed_data.ts";

/** The data plugin's name. */
export const DATA_PLUGIN = "thing:connection-data";

/**
 * Creates the data plugin.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` naming a bad option
 * @example
 * ```ts
 * import { connectionData, connectionSession } from "@thing/net/plugins/connection";
 *
 * // Any session plugin (here the Connection one) with the Connection data plugin.
 * const plugins = [connectionSession(), connectionData({ maxRetransmits: 5 })];
 * ```
 */
export function connectionData(options: DataOptions = {}): Plugin {
  const resolved = parseDataOptions(options, DATA_PLUGIN);
  return { name: DATA_PLUGIN, seed: resolved, setup: (api) => setupData(api, resolved) };
}

function setupData(api: PluginApi, opts: ResolvedDataOptions): void {
  const sender = new DataSender(api, opts);
  const framed = opts.framed ? new FramedData(api, opts, sender) : undefined;
  for (const type of dataPacketTypes) api.registerPacketType(type);
  if (framed) {
    api.defineExtension({
      type: FRAMED_EXTENSION,
      offer: () => new Uint8Array(0),
      accept: () => new Uint8Array(0),
    });
  }

  const receive = (ctx: PacketContext, reliable: boolean): void => {
    const session = ctx.session;
    if (!session || session.state === "closed") return ctx.drop("no-session");
    const st = sender.stateOf(session);
    const window = st.received ??= new ReplayWindow(opts.window);
    const order = ctx.packet.order;
    const fresh = window.check(order);
    if (!fresh && window.highest - order >= window.size) return ctx.drop("stale-order");
    // The received bytes are ours and never rewritten: the ACK can carry a view of the field.
    if (reliable) ctx.reply({ type: ConnectionPacket.ACK, payload: ctx.packet.checksum });
    if (!fresh) return ctx.drop("duplicate");
    window.update(order);
    api.emit("message", {
      session,
      data: packetSlab.copy(ctx.packet.payload),
      customId: ctx.packet.customId,
      reliable,
      channel: 0,
    });
  };

  api.handle(ConnectionPacket.DATA_ACK, (ctx) => receive(ctx, true));
  api.handle(ConnectionPacket.DATA_NOACK, (ctx) => receive(ctx, false));

  api.handle(FRAMED, (ctx) => framed ? framed.receive(ctx) : ctx.drop("not-negotiated"));
  if (framed) {
    // Every packet of a session takes a packet number: ACKs list the others' too (no gaps).
    api.use({
      inbound: (ctx, next) => {
        const handled = next();
        if (ctx.packet.type === ConnectionPacket.FRAMED) return handled;
        if (!handled) return framed.noteOther(ctx);
        return handled.then(() => framed.noteOther(ctx));
      },
    });
  }

  api.handle(ACK, (ctx) => {
    if (!sender.acked(ctx.session, ctx.body)) return ctx.drop("unknown-ack");
  });

  api.handle(BAD_ACK, (ctx) => {
    if (!sender.badAck(ctx.session, ctx.body)) return ctx.drop("unknown-ack");
  });

  api.onMalformed(({ error, session, reply }) => {
    if (error.packet.type !== ConnectionPacket.DATA_ACK || !session || session.state === "closed") {
      return;
    }
    reply({ type: ConnectionPacket.BAD_ACK, payload: error.packet.checksum.slice() });
  });

  const wake = ({ session }: { session: Session }) => {
    framed?.wake(session);
    sender.wake(session);
  };
  api.on("session", wake);
  api.on("resume", wake);
  api.on("close", ({ session, reason, error }) => {
    framed?.close(session, reason, error);
    sender.close(session, reason, error);
  });
  api.provide("messenger", framed ?? sender);
}
