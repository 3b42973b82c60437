import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen } from "../../../core/node.ts";
import type { Transport } from "../../../core/transport.ts";
import { hybrid, thing } from "../../../plugins/thing/mod.ts";
import { tcp } from "../../../transports/tcp/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";
import { IDENTITY } from "./_fixtures.ts";
import { within } from "../../_within.ts";

const transports: Record<string, () => Transport> = { udp: () => udp(), tcp: () => tcp() };
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

for (const [name, make] of Object.entries(transports)) {
  describe(`thing dialects over ${name} on 127.0.0.1`, () => {
    it("thing(): handshake, sealed datagram echo, client goodbye", async () => {
      const server = await listen({
        transport: make(),
        port: 0,
        plugins: thing({ identity: IDENTITY, retransmitTimeout: 50 }),
      });
      const closed: string[] = [];
      server.on("close", ({ reason }) => closed.push(reason));
      server.on(
        "message",
        ({ session, data }) => void session.send(utf8(`echo ${text(data)}`), { reliable: false }),
      );
      try {
        const client = await within(
          5_000,
          connect({
            transport: make(),
            port: server.address.port,
            plugins: thing({ serverKey: IDENTITY.publicKey }),
          }),
          "connect",
        );
        const echoed = new Promise<string>((resolve) =>
          client.on("message", ({ data }) => resolve(text(data)))
        );
        await client.send(utf8("hi"), { reliable: false });
        assert.equal(await within(5_000, echoed, "echo"), "echo hi");
        await within(5_000, client.close(), "close");
        assert.equal(client.session.state, "closed");
        await within(5_000, server.endpoint.idle(), "idle");
        for (let i = 0; i < 200 && closed.length === 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        // Deno's UDP link drops sends still in flight when it closes, so the CFL sent just before
        // the client's link closes may be lost; the server then ends the session after a linger.
        assert.equal(closed.length, 1);
        assert.match(closed[0]!, /^closed by client/);
      } finally {
        await server.close();
      }
    });

    it("hybrid(): reliable and unreliable messages both ways", async () => {
      const server = await listen({
        transport: make(),
        port: 0,
        plugins: hybrid({ identity: IDENTITY }),
      });
      server.on(
        "message",
        ({ session, data, customId, reliable }) =>
          void session.send(utf8(`echo ${text(data)}`), { customId, reliable }),
      );
      try {
        const client = await within(
          5_000,
          connect({
            transport: make(),
            port: server.address.port,
            plugins: hybrid({ serverKey: IDENTITY.publicKey }),
          }),
          "connect",
        );
        const got: string[] = [];
        let all: () => void;
        const done = new Promise<void>((resolve) => (all = resolve));
        client.on("message", ({ data, customId, reliable }) => {
          got.push(`${text(data)}@${customId}/${reliable}`);
          if (got.length === 11) all();
        });
        const sends = Array.from(
          { length: 10 },
          (_, i) => client.send(utf8(`m${i}`), { customId: i }),
        );
        await within(5_000, Promise.all(sends), "ACKs");
        await client.send(utf8("quick"), { reliable: false, customId: 9_999 });
        await within(5_000, done, "echoes");
        assert.ok(got.includes("echo m7@7/true"));
        assert.ok(got.includes("echo quick@9999/false"));
        await within(5_000, client.close(), "close");
      } finally {
        await server.close();
      }
    });
  });
}
