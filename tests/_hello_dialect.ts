/**
 * Test helper: the smallest dialect that opens sessions, HELLO answered by ACCEPT and nothing
 * else, for core tests that need open sessions without any dialect's rules.
 *
 * @module
 */
import { definePlugin, type Plugin } from "../core/plugin.ts";
import { ConnectionPacket } from "../plugins/connection/mod.ts";

/** A plugin named `name`: the client sends HELLO, the server opens a session and answers ACCEPT. */
export function helloDialect(name: string): Plugin {
  return definePlugin({
    name,
    setup(api) {
      api.registerPacketType({ code: ConnectionPacket.HELLO, name: "HELLO" });
      api.registerPacketType({ code: ConnectionPacket.ACCEPT, name: "ACCEPT" });
      api.onConnect((session) => session.sendPacket({ type: ConnectionPacket.HELLO }));
      api.handle(ConnectionPacket.HELLO, (ctx) => {
        const session = api.sessions.create(ctx.packet.clientId, ctx.peer);
        session.open();
        session.sendPacket({ type: ConnectionPacket.ACCEPT });
      });
      api.handle(ConnectionPacket.ACCEPT, (ctx) => api.control(ctx.session)?.open());
    },
  });
}
