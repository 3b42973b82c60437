import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen } from "../../../core/node.ts";
import type { Transport } from "../../../core/transport.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { tcp } from "../../../transports/tcp/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";
import { text, utf8 } from "./_helpers.ts";
import { within } from "../../_within.ts";

const transports: Record<string, () => Transport> = { udp: () => udp(), tcp: () => tcp() };

for (const [name, make] of Object.entries(transports)) {
  const connectTo = (port: number) =>
    within(5_000, connect({ transport: make(), port, plugins: connection() }), "connect");

  describe(`connection() over ${name} on 127.0.0.1`, () => {
    it("exchanges reliable and unreliable messages both ways, then disconnects", async () => {
      const server = await listen({ transport: make(), port: 0, plugins: connection() });
      const closed: string[] = [];
      server.on("close", ({ reason }) => closed.push(reason));
      server.on(
        "message",
        ({ session, data, customId, reliable }) =>
          void session.send(utf8(`echo ${text(data)}`), { customId, reliable }),
      );
      try {
        const client = await connectTo(server.address.port);
        const got: string[] = [];
        let all: () => void;
        const done = new Promise<void>((resolve) => (all = resolve));
        client.on("message", ({ data, customId, reliable }) => {
          got.push(`${text(data)}@${customId}/${reliable}`);
          if (got.length === 21) all();
        });
        const sends = Array.from(
          { length: 20 },
          (_, i) => client.send(utf8(`m${i}`), { customId: i }),
        );
        await within(5_000, Promise.all(sends), "ACKs");
        await client.send(utf8("quick"), { reliable: false, customId: 65_535 });
        await within(5_000, done, "echoes");
        assert.equal(got.length, 21);
        assert.ok(got.includes("echo m7@7/true"));
        assert.ok(got.includes("echo quick@65535/false"));
        await within(5_000, client.close(), "close");
        assert.equal(client.session.closeReason, "disconnected");
        assert.deepEqual(closed, ["disconnected by client"]);
        assert.equal(server.endpoint.sessions.size, 0);
      } finally {
        await server.close();
      }
    });

    // 16 MB at once is far more than a default socket buffer (about 208 KiB, all Deno has) or a
    // TCP link's 4 MiB: without a congestion window and a cap on bytes in flight this floods
    // either and crawls through timeouts, fails, or reports buffer overflows.
    it("delivers 1,000 reliable 16 KiB messages sent at once", async () => {
      const server = await listen({ transport: make(), port: 0, plugins: connection() });
      let delivered = 0;
      server.on("message", () => void delivered++);
      try {
        const client = await connectTo(server.address.port);
        const errors: Error[] = [];
        client.on("error", ({ error }) => void errors.push(error));
        const message = new Uint8Array(16_384).fill(9);
        const sends = Array.from({ length: 1_000 }, () => client.send(message));
        await within(4_000, Promise.all(sends), "1,000 ACKs");
        assert.equal(delivered, 1_000);
        assert.deepEqual(errors, [], "a full TCP buffer is waited for, not reported");
        await within(5_000, client.close(), "close");
      } finally {
        await server.close();
      }
    });
  });
}
