import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePacket, definePlugin, PacketType } from "../../core/mod.ts";
import { pair } from "../../core/testing/mod.ts";

const dialect = definePlugin({
  name: "test:resend",
  setup(api) {
    api.registerPacketType({ code: PacketType.HELLO, name: "HELLO" });
    api.registerPacketType({ code: PacketType.ACCEPT, name: "ACCEPT" });
    api.onConnect((session) => session.sendPacket({ type: PacketType.HELLO }));
    api.handle(PacketType.HELLO, (ctx) => {
      const session = api.sessions.create(ctx.packet.clientId, ctx.peer);
      session.open();
      session.sendPacket({ type: PacketType.ACCEPT });
    });
    api.handle(PacketType.ACCEPT, (ctx) => ctx.session?.open());
  },
});

test("sendPacket() with order reuses it and onEncoded sees the encoded bytes", async () => {
  const p = pair({ plugins: [dialect] });
  const session = await p.connect();
  const encoded: Uint8Array[] = [];
  const first = session.nextOrder;
  session.sendPacket({ type: PacketType.HELLO, onEncoded: (bytes) => encoded.push(bytes) });
  session.sendPacket({ type: PacketType.HELLO, order: first, onEncoded: (b) => encoded.push(b) });
  assert.equal(session.nextOrder, first + 1, "an explicit order does not advance the count");
  assert.equal(encoded.length, 2);
  assert.equal(decodePacket(encoded[0]!).order, first);
  assert.equal(decodePacket(encoded[1]!).order, first);
  assert.deepEqual(encoded[0], encoded[1], "same fields and order give the same checksum");
  const sent = [p.client.pollTransmit()!.bytes, p.client.pollTransmit()!.bytes];
  assert.deepEqual(sent, encoded);
});
