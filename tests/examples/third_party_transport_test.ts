import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen } from "../../mod.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { transportSuite } from "../../core/testing/mod.ts";
import { dgram } from "../../examples/third_party_transport/dgram.ts";
import { within } from "../_within.ts";

// A transport from outside the library passes the suite the built-in transports pass.
transportSuite("dgram (examples/third_party_transport)", () => dgram(), { hostname: "127.0.0.1" });

describe("dgram() under a dialect", () => {
  it("carries a reliable Connection message both ways", async () => {
    const server = await listen({
      transport: dgram(),
      hostname: "127.0.0.1",
      port: 0,
      plugins: connection(),
    });
    try {
      server.on("message", ({ session, data }) => void session.send(data).catch(() => {}));
      const client = await connect({
        transport: dgram(),
        hostname: "127.0.0.1",
        port: server.address.port,
        plugins: connection(),
      });
      try {
        const echoed = new Promise<string>((resolve) => {
          client.on("message", ({ data }) => resolve(new TextDecoder().decode(data)));
        });
        await client.send(new TextEncoder().encode("over dgram"));
        assert.equal(await within(3_000, echoed, "the echo"), "over dgram");
      } finally {
        await client.close();
      }
    } finally {
      await server.close();
    }
  });
});
