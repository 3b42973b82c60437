import { test } from "node:test";
import assert from "node:assert/strict";
import { definePlugin, PacketType } from "../../core/mod.ts";
import { pair } from "../../core/testing/mod.ts";

const echoDialect = definePlugin({
  name: "test:echo",
  setup(api) {
    api.registerPacketType({ code: PacketType.HELLO, name: "HELLO" });
    api.registerPacketType({ code: PacketType.ACCEPT, name: "ACCEPT" });
    api.registerPacketType({ code: PacketType.DATA_NOACK, name: "DATA_NOACK" });
    api.onConnect((session) => session.sendPacket({ type: PacketType.HELLO }));
    api.handle(PacketType.HELLO, (ctx) => {
      const session = api.sessions.get(ctx.packet.clientId) ??
        api.sessions.create(ctx.packet.clientId, ctx.peer);
      session.open();
      session.sendPacket({ type: PacketType.ACCEPT });
    });
    api.handle(PacketType.ACCEPT, (ctx) => ctx.session?.open());
    api.handle(PacketType.DATA_NOACK, (ctx) => {
      if (!ctx.session) return ctx.drop("no-session");
      api.emit("message", {
        session: ctx.session,
        data: ctx.packet.payload.slice(),
        customId: ctx.packet.customId,
        reliable: false,
      });
    });
    api.provide("messenger", {
      send(session, data, options) {
        session.sendPacket({
          type: PacketType.DATA_NOACK,
          payload: data,
          customId: options.customId ?? 0,
        });
        return Promise.resolve();
      },
    });
  },
});

test("pair() connects a client and echoes a message through a toy dialect", async () => {
  const p = pair({ plugins: [echoDialect] });
  const got: string[] = [];
  p.server.on("message", ({ session, data }) => void session.send(data, { customId: 7 }));
  p.client.on(
    "message",
    ({ data, customId }) => got.push(`${new TextDecoder().decode(data)}@${customId}`),
  );
  const session = await p.connect();
  assert.equal(session.state, "open");
  await session.send(new TextEncoder().encode("hi"));
  await p.net.drive();
  assert.deepEqual(got, ["hi@7"]);
  assert.equal([...p.server.sessions].length, 1);
});
