import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectRuntime } from "../../transports/_runtime.ts";
import { tcp } from "../../transports/tcp/mod.ts";
import { makePacket, Recorder, transportSuite } from "../../core/testing/mod.ts";

type Binding = "bun" | "deno" | "node";

/** This runtime's own binding and node:net (the same thing on Node). */
const native = detectRuntime();
const available: Binding[] = native === "node" ? ["node"] : [native, "node"];

for (const binding of available) {
  for (const hostname of ["127.0.0.1", "::1"]) {
    transportSuite(`tcp (${binding}) ${hostname}`, () => tcp({ binding }), { hostname });
  }
}

describe("tcp()", () => {
  it("tcp() names itself and reports the stream kind", () => {
    const transport = tcp();
    assert.equal(transport.name, "tcp");
    assert.equal(transport.kind, "stream");
  });

  it("tcp() rejects bad options", () => {
    assert.throws(() => tcp({ binding: "java" as Binding }), TypeError);
    assert.throws(() => tcp({ maxPacketSize: 70_000 }), RangeError);
    assert.throws(() => tcp({ highWaterMark: -1 }), RangeError);
    assert.throws(() => tcp({ maxBufferedBytes: 1000 }), RangeError);
    const missing = (["bun", "deno"] as const).filter((b) => !available.includes(b));
    for (const binding of missing) assert.throws(() => tcp({ binding }), TypeError);
  });

  for (const binding of available) {
    it(`tcp({ binding: "${binding}" }) streams 4 MiB in order with ready() backpressure`, async () => {
      const transport = tcp({ binding, highWaterMark: 64 * 1024 });
      const rec = new Recorder(5000);
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, rec);
      const client = await transport.connect(server.localAddress, new Recorder(1000));
      try {
        for (let i = 0; i < 256; i++) {
          await client.ready!(server.localAddress);
          client.send(makePacket(16 * 1024 - 64, i), server.localAddress);
        }
        await rec.until("256 packets", () => rec.packets.length === 256);
        rec.packets.forEach(({ bytes }, i) => assert.equal(bytes[64], i & 0xff));
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });

    it(`tcp({ binding: "${binding}" }) reports a peer that ends inside a packet`, async () => {
      const transport = tcp({ binding });
      const rec = new Recorder(3000);
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, rec);
      const client = await transport.connect(server.localAddress, new Recorder(1000));
      try {
        client.send(makePacket(10).subarray(0, 40), server.localAddress);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await client.close();
        await rec.until("peerClosed", () => rec.closed.length === 1);
        assert.match(rec.errors[0]?.message ?? "", /ended inside a packet/);
      } finally {
        await server.close();
      }
    });

    it(`tcp({ binding: "${binding}" }) client send() refuses a peer other than its server`, async () => {
      const transport = tcp({ binding });
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, new Recorder(1000));
      const client = await transport.connect(server.localAddress, new Recorder(1000));
      try {
        assert.throws(
          () => client.send(makePacket(0), { hostname: "127.0.0.2", port: 9 }),
          TypeError,
        );
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  }
});
