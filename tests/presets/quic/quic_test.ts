import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SeededRandom } from "../../../core/clock.ts";
import { framePool } from "../../../core/frame_pool.ts";
import { ed25519KeyPair } from "../../../plugins/thing/crypto/mod.ts";
import {
  connectQuic,
  type FileResult,
  listenQuic,
  LOOPBACK_PACKET_SIZE,
  receiveFiles,
  sendFile,
} from "../../../presets/quic/mod.ts";
import { streamSession } from "../../../plugins/streams/mod.ts";
import { within } from "../../_within.ts";

const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));

for (const packetSize of [1200, LOOPBACK_PACKET_SIZE]) {
  describe(`quic() over UDP on 127.0.0.1 with ${packetSize}-byte packets`, () => {
    it("sends a file; both ends report the same SHA-256", async () => {
      const dir = await mkdtemp(join(tmpdir(), "thing-quic-"));
      const server = await listenQuic({ thing: { identity: IDENTITY }, packetSize, port: 0 });
      try {
        const results: FileResult[] = [];
        const waiters: Array<() => void> = [];
        receiveFiles(server, join(dir, "in"), {
          onFile: (result) => (results.push(result), waiters.shift()?.()),
        });
        const stored = (n: number) =>
          results.length >= n ? Promise.resolve(results[n - 1]!) : new Promise<FileResult>(
            (resolve) => waiters.push(() => resolve(results[n - 1]!)),
          );
        await mkdir(join(dir, "in"));
        const size = packetSize === 1200 ? 1_500_000 : 8_000_000;
        const data = new SeededRandom(5).fill(new Uint8Array(size));
        await writeFile(join(dir, "blob.bin"), data);
        const client = await connectQuic({
          thing: { serverKey: IDENTITY.publicKey },
          packetSize,
          port: server.address.port,
        });
        try {
          let progress = 0;
          const sent = await within(
            8_000,
            sendFile(client.streams, join(dir, "blob.bin"), {
              onProgress: (p) => (progress = p.bytes),
            }),
            "sendFile",
          );
          const received = await within(2_000, stored(1), "receiveFiles");
          const expected = createHash("sha256").update(data).digest("hex");
          assert.equal(progress, size);
          assert.equal(sent.sha256, expected);
          assert.equal(sent.peer, expected);
          assert.equal(received.sha256, expected);
          assert.equal(received.name, "blob.bin");
          assert.deepEqual(new Uint8Array(await readFile(received.peer)), data);
          if (packetSize === LOOPBACK_PACKET_SIZE) {
            // The full-size packets' buffers came back from the UDP link for the next ones.
            assert.ok(framePool.spares(packetSize) > 0, "no packet buffer was given back");
          }
          if (packetSize === 1200) {
            await within(8_000, sendFile(client.streams, join(dir, "blob.bin")), "second sendFile");
            const second = await within(2_000, stored(2), "second file");
            assert.equal(second.peer, join(dir, "in", "blob (1).bin"));
          }
        } finally {
          await client.node.close();
        }
      } finally {
        await server.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

describe("quic() streams and datagrams on 127.0.0.1", () => {
  it("echoes on several concurrent streams and carries a datagram", async () => {
    const server = await listenQuic({ thing: { identity: IDENTITY }, port: 0 });
    server.on("session", ({ session }) => {
      const app = streamSession(session);
      void (async () => {
        for await (const stream of app.incomingBidirectionalStreams) {
          void stream.readable.pipeTo(stream.writable).catch(() => {});
        }
      })();
      void app.datagrams.readable.pipeTo(app.datagrams.writable).catch(() => {});
    });
    const client = await connectQuic({
      thing: { serverKey: IDENTITY.publicKey },
      port: server.address.port,
    });
    try {
      const echoes = await within(
        5_000,
        Promise.all([1, 2, 3, 4].map(async (n) => {
          const stream = await client.streams.createBidirectionalStream();
          const writer = stream.writable.getWriter();
          const data = new SeededRandom(n).fill(new Uint8Array(100_000 * n));
          const back = new Response(stream.readable).arrayBuffer();
          await writer.write(data);
          await writer.close();
          return [data, new Uint8Array(await back)] as const;
        })),
        "echo",
      );
      for (const [sent, back] of echoes) assert.deepEqual(back, sent);
      const datagram = client.streams.datagrams.readable.getReader().read();
      const writer = client.streams.datagrams.writable.getWriter();
      await writer.write(new Uint8Array([42]));
      const { value } = await within(2_000, datagram, "datagram");
      assert.deepEqual(value, new Uint8Array([42]));
    } finally {
      await client.node.close();
      await server.close();
    }
  });
});
