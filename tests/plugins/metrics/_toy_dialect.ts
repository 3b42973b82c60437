// A toy dialect for observer tests (logging, metrics, admin), as in tests/core/endpoint_smoke_test.ts:
// HELLO/ACCEPT handshake, PING/PONG, DATA_NOACK messages, and a server goodbye by REJECT.
import { definePlugin, PacketType, type Plugin, type PluginApi } from "../../../core/mod.ts";

/** The toy dialect. `reject` makes the server answer HELLO with REJECT (a failed handshake). */
export function toyDialect(options: { reject?: boolean } = {}): Plugin {
  return definePlugin({
    name: "test:toy",
    setup(api) {
      for (const name of ["HELLO", "ACCEPT", "REJECT", "PING", "PONG", "DATA_NOACK"] as const) {
        api.registerPacketType({ code: PacketType[name], name });
      }
      api.onConnect((session) => session.sendPacket({ type: PacketType.HELLO }));
      api.handle(PacketType.HELLO, (ctx) => {
        const session = api.sessions.get(ctx.packet.clientId) ??
          api.sessions.create(ctx.packet.clientId, ctx.peer);
        if (options.reject) {
          session.sendPacket({ type: PacketType.REJECT });
          return session.terminate("rejected");
        }
        session.open();
        session.sendPacket({ type: PacketType.ACCEPT });
      });
      api.handle(PacketType.ACCEPT, (ctx) => ctx.session?.open());
      api.handle(PacketType.REJECT, (ctx) => ctx.session?.terminate("rejected by server"));
      api.handle(PacketType.PING, (ctx) => ctx.reply({ type: PacketType.PONG }));
      api.handle(PacketType.PONG, () => {});
      api.handle(PacketType.DATA_NOACK, (ctx) => {
        if (!ctx.session) return ctx.drop("no-session");
        api.emit("message", {
          session: ctx.session,
          data: ctx.packet.payload.slice(),
          customId: ctx.packet.customId,
          reliable: false,
        });
      });
      api.onSessionClosing((session, reason) => {
        if (api.role !== "server") return false;
        session.sendPacket({ type: PacketType.REJECT });
        session.terminate(reason);
        return true;
      });
      api.provide("messenger", {
        send(session, data, opts) {
          session.sendPacket({
            type: PacketType.DATA_NOACK,
            payload: data,
            customId: opts.customId ?? 0,
          });
          return Promise.resolve();
        },
      });
    },
  });
}

/** A plugin that hands its api to the test, to emit events a real dialect would. */
export function probe(): { plugin: Plugin; api: () => PluginApi } {
  let captured: PluginApi | undefined;
  return {
    plugin: definePlugin({ name: "test:probe", setup: (api) => void (captured = api) }),
    api: () => {
      if (!captured) throw new Error("probe was not set up");
      return captured;
    },
  };
}
