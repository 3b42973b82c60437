import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../../core/clock.ts";
import { ed25519KeyPair } from "../../../plugins/thing/crypto/mod.ts";
import {
  connectQuic,
  ETHERNET_PACKET_SIZE,
  listenQuic,
  LOOPBACK_PACKET_SIZE,
  type QuicOptions,
} from "../../../presets/quic/mod.ts";
import { type StreamSession, streamSession } from "../../../plugins/streams/mod.ts";
import { within } from "../../_within.ts";

const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 3));

/** Waits up to `ms` for `done()`, polling every 5 ms. */
async function until(ms: number, done: () => boolean, what: string): Promise<void> {
  await within(
    ms,
    (async () => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
    })(),
    what,
  );
}

/**
 * A server whose sessions count the bytes of every incoming unidirectional stream, and a client:
 * sends `size` bytes on a unidirectional stream and resolves with the client's streams once the
 * server has them all.
 */
async function sendOver(options: QuicOptions, size: number, run: (s: StreamSession) => void) {
  let received = 0;
  const server = await listenQuic({ thing: { identity: IDENTITY }, ...options, port: 0 });
  server.on("session", ({ session }) => {
    void (async () => {
      for await (const stream of streamSession(session).incomingUnidirectionalStreams) {
        void (async () => {
          for await (const chunk of stream.readable) received += chunk.length;
        })().catch(() => {});
      }
    })();
  });
  const client = await connectQuic({
    thing: { serverKey: IDENTITY.publicKey },
    ...options,
    port: server.address.port,
  });
  try {
    const stream = await client.streams.createUnidirectionalStream();
    const writer = stream.writable.getWriter();
    await within(5_000, writer.write(new SeededRandom(1).fill(new Uint8Array(size))), "write");
    await within(5_000, writer.close(), "close");
    await until(5_000, () => received === size, "the server's bytes");
    run(client.streams);
  } finally {
    await client.node.close();
    await server.close();
  }
}

describe("quic() path MTU discovery over UDP on 127.0.0.1", () => {
  it("climbs from 1,200 to the largest datagram loopback carries", async () => {
    await sendOver({ maxPacketSize: LOOPBACK_PACKET_SIZE }, 4_000_000, (streams) => {
      assert.equal(streams.stats.packetSize, LOOPBACK_PACKET_SIZE);
      assert.ok(streams.stats.mtuProbes >= 1);
      assert.equal(streams.stats.blackHoles, 0);
    });
  });

  it("probes up to the Ethernet size by default", async () => {
    await sendOver({}, 500_000, (streams) => {
      assert.equal(streams.stats.packetSize, ETHERNET_PACKET_SIZE);
    });
  });

  it("keeps an explicit packetSize fixed, without probes", async () => {
    await sendOver({ packetSize: 9000 }, 500_000, (streams) => {
      assert.equal(streams.stats.packetSize, 9000);
      assert.equal(streams.stats.mtuProbes, 0);
    });
  });
});
