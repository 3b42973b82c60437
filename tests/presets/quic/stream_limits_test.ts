import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ed25519KeyPair } from "../../../plugins/thing/crypto/mod.ts";
import { connectQuic, listenQuic } from "../../../presets/quic/mod.ts";
import { INITIAL_MAX_STREAMS, streamSession } from "../../../plugins/streams/mod.ts";
import { within } from "../../_within.ts";

const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 9));

describe("quic() stream limits and priorities over UDP on 127.0.0.1", () => {
  it("opens 3× the stream limit of echo streams, holding at most the limit open at the server", {
    timeout: 30_000,
  }, async () => {
    let most = 0;
    const server = await listenQuic({ thing: { identity: IDENTITY }, port: 0 });
    server.on("session", ({ session }) => {
      const app = streamSession(session);
      void (async () => {
        for await (const stream of app.incomingBidirectionalStreams) {
          most = Math.max(most, app.streamCount);
          void stream.readable.pipeTo(stream.writable).catch(() => {});
        }
      })();
    });
    const client = await connectQuic({
      thing: { serverKey: IDENTITY.publicKey },
      port: server.address.port,
    });
    try {
      const count = 3 * INITIAL_MAX_STREAMS;
      const echoes = await within(
        10_000,
        Promise.all(Array.from({ length: count }, async (_, i) => {
          const stream = await client.streams.createBidirectionalStream({ urgency: i % 8 });
          const writer = stream.writable.getWriter();
          const back = new Response(stream.readable).arrayBuffer();
          await writer.write(new Uint8Array([i % 256, i >> 8]));
          await writer.close();
          return new Uint8Array(await back);
        })),
        "the echoes",
      );
      for (const [i, back] of echoes.entries()) assert.deepEqual([...back], [i % 256, i >> 8]);
      assert.ok(most <= INITIAL_MAX_STREAMS, `the server held ${most} streams`);
    } finally {
      await client.node.close();
      await server.close();
    }
  });
});
