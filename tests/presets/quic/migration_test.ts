import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { SeededRandom } from "../../../core/clock.ts";
import { connect } from "../../../core/node.ts";
import type { Session } from "../../../core/session.ts";
import type {
  BindOptions,
  Link,
  LinkHandlers,
  PeerAddress,
  Transport,
} from "../../../core/transport.ts";
import { ed25519KeyPair } from "../../../plugins/thing/crypto/mod.ts";
import { streamSession } from "../../../plugins/streams/mod.ts";
import { listenQuic, quic } from "../../../presets/quic/mod.ts";
import { within } from "../../_within.ts";

const IDENTITY = ed25519KeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));

/**
 * A client transport whose socket can be replaced, as after a NAT rebinding: `rebind()` opens a
 * new link to the same server (a new local port) and from then on sends from it; the old socket
 * stays bound but deaf (what arrives there is dropped, as a NAT drops packets for a stale
 * mapping) until the client closes.
 */
class Rebinding implements Transport {
  readonly name: string;
  readonly kind: Transport["kind"];
  readonly #inner: Transport;
  readonly #links: Link[] = [];
  #options: BindOptions | undefined;
  #handlers: LinkHandlers | undefined;

  constructor(inner: Transport) {
    this.#inner = inner;
    this.name = inner.name;
    this.kind = inner.kind;
  }

  listen(): Promise<Link> {
    return Promise.reject(new TypeError("Cannot listen on a rebinding test transport"));
  }

  async connect(options: BindOptions, handlers: LinkHandlers): Promise<Link> {
    this.#options = options;
    this.#handlers = handlers;
    await this.#open();
    const current = () => this.#links[this.#links.length - 1]!;
    return {
      kind: this.kind,
      get maxPacketSize() {
        return current().maxPacketSize;
      },
      get localAddress() {
        return current().localAddress;
      },
      send: (bytes, peer) => current().send(bytes, peer),
      close: async () => void await Promise.all(this.#links.map((link) => link.close())),
    };
  }

  /** Moves to a new socket; resolves with the old and new local addresses. */
  async rebind(): Promise<{ from: PeerAddress; to: PeerAddress }> {
    const from = this.#links[this.#links.length - 1]!.localAddress;
    const to = (await this.#open()).localAddress;
    return { from, to };
  }

  async #open(): Promise<Link> {
    const handlers = this.#handlers!;
    const generation = this.#links.length;
    const live = () => this.#links.length === generation + 1;
    const link = await this.#inner.connect(this.#options!, {
      packet: (bytes, peer) => live() && handlers.packet(bytes, peer),
      error: (error) => live() && handlers.error?.(error),
    });
    this.#links.push(link);
    return link;
  }
}

describe("quic() connection migration over UDP on 127.0.0.1", () => {
  it("an echo transfer survives the client's socket being replaced mid-transfer", async () => {
    const size = 2_000_000;
    const data = new SeededRandom(9).fill(new Uint8Array(size));
    const server = await listenQuic({ thing: { identity: IDENTITY }, port: 0 });
    let serverSession: Session | undefined;
    const moves: Array<{ from: PeerAddress; to: PeerAddress }> = [];
    const serverHash = createHash("sha256");
    let served: Promise<void> | undefined;
    server.on("session", ({ session }) => {
      serverSession = session;
      const app = streamSession(session);
      app.onMigrate = (move) => moves.push(move);
      served = (async () => {
        const reader = app.incomingBidirectionalStreams.getReader();
        const { value: stream } = await reader.read();
        reader.releaseLock();
        const hashing = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            serverHash.update(chunk);
            out.enqueue(chunk);
          },
        });
        await stream!.readable.pipeThrough(hashing).pipeTo(stream!.writable);
      })();
    });
    const rebinding = new Rebinding(quic().transport);
    const client = await connect({
      ...quic({ thing: { serverKey: IDENTITY.publicKey } }),
      transport: rebinding,
      hostname: "127.0.0.1",
      port: server.address.port,
    });
    try {
      const stream = await streamSession(client.session).createBidirectionalStream();
      const writing = (async () => {
        const writer = stream.writable.getWriter();
        for (let at = 0; at < size; at += 65_536) {
          await writer.write(data.subarray(at, Math.min(size, at + 65_536)));
        }
        await writer.close();
      })();
      let rebound: Promise<{ from: PeerAddress; to: PeerAddress }> | undefined;
      let echoed = 0;
      const clientHash = createHash("sha256");
      const reading = (async () => {
        for await (const chunk of stream.readable) {
          clientHash.update(chunk);
          echoed += chunk.length;
          if (!rebound && echoed >= size / 4) rebound = rebinding.rebind();
        }
      })();
      await within(4_000, Promise.all([writing, reading, served]), "echo across a rebinding");
      const ports = await rebound!;
      const expected = createHash("sha256").update(data).digest("hex");
      assert.equal(echoed, size);
      assert.equal(serverHash.digest("hex"), expected);
      assert.equal(clientHash.digest("hex"), expected);
      assert.notEqual(ports.to.port, ports.from.port);
      assert.equal(moves.length, 1);
      assert.equal(moves[0]!.from.port, ports.from.port);
      assert.equal(moves[0]!.to.port, ports.to.port);
      assert.equal(serverSession!.peer.port, ports.to.port);
      assert.equal(client.session.state, "open");
    } finally {
      await client.close();
      await server.close();
    }
  });
});
