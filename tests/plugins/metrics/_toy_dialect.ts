// A toy dialect for observer tests (logging, metrics, admin), a variant of tests/core/_toy_dialect.ts
// (whose DATA_NOACK messages it shares): HELLO/ACCEPT handshake, PING/PONG, and a server goodbye
// by REJECT.
import { definePlugin, type Plugin, type PluginApi } from "../../../core/mod.ts";
import { toyMessages } from "../../core/_toy_dialect.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";

/** The toy dialect. `reject` makes the server answer HELLO with REJECT (a failed handshake). */
export function toyDialect(options: { reject?: boolean } = {}): Plugin {
  return definePlugin({
    name: "test:toy",
    setup(api) {
      for (const name of ["HELLO", "ACCEPT", "REJECT", "PING", "PONG", "DATA_NOACK"] as const) {
        api.registerPacketType({ code: ConnectionPacket[name], name });
      }
      api.onConnect((control) => control.sendPacket({ type: ConnectionPacket.HELLO }));
      api.handle(ConnectionPacket.HELLO, (ctx) => {
        const session = api.control(api.sessions.get(ctx.packet.clientId)) ??
          api.sessions.create(ctx.packet.clientId, ctx.peer);
        if (options.reject) {
          session.sendPacket({ type: ConnectionPacket.REJECT });
          return session.terminate("rejected");
        }
        session.open();
        session.sendPacket({ type: ConnectionPacket.ACCEPT });
      });
      api.handle(ConnectionPacket.ACCEPT, (ctx) => api.control(ctx.session)?.open());
      api.handle(
        ConnectionPacket.REJECT,
        (ctx) => api.control(ctx.session)?.terminate("rejected by server"),
      );
      api.handle(ConnectionPacket.PING, (ctx) => ctx.reply({ type: ConnectionPacket.PONG }));
      api.handle(ConnectionPacket.PONG, () => {});
      api.onSessionClosing((control, reason) => {
        if (api.role !== "server") return false;
        control.sendPacket({ type: ConnectionPacket.REJECT });
        control.terminate(reason);
        return true;
      });
      toyMessages(api);
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
