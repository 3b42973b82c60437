import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodePacket } from "../../core/codec.ts";
import { Driver } from "../../core/driver.ts";
import { Endpoint } from "../../core/endpoint.ts";
import { TransportError } from "../../core/errors.ts";
import { Offset } from "../../core/packet.ts";
import { addressKey, type Link, MAX_HELD_BYTES, type PeerAddress } from "../../core/transport.ts";
import { toy } from "./_toy_dialect.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";

const A: PeerAddress = { hostname: "10.0.0.1", port: 1 };
const B: PeerAddress = { hostname: "10.0.0.2", port: 2 };

/** A stream link whose peers can be made to refuse sends until the test makes room. */
class PressureLink implements Link {
  readonly kind = "stream" as const;
  readonly maxPacketSize = 65_507;
  readonly localAddress = { hostname: "10.0.0.9", port: 9 };
  readonly sent: Array<{ to: string; type: number; customId: number }> = [];
  /** The `sent` callback each accepted send came with. */
  readonly releases: Array<(() => void) | undefined> = [];
  readonly #full = new Map<string, Array<() => void>>();

  send(bytes: Uint8Array, peer: PeerAddress, sent?: () => void): void {
    const key = addressKey(peer);
    if (this.#full.has(key)) throw new TransportError("THING_ERR_BACKPRESSURE", `${key} is full`);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    this.sent.push({
      to: key,
      type: bytes[Offset.type]!,
      customId: view.getUint16(Offset.customId),
    });
    this.releases.push(sent);
  }

  ready(peer: PeerAddress): Promise<void> {
    const waiting = this.#full.get(addressKey(peer));
    return waiting ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve();
  }

  fill(peer: PeerAddress): void {
    this.#full.set(addressKey(peer), []);
  }

  makeRoom(peer: PeerAddress): void {
    const waiting = this.#full.get(addressKey(peer)) ?? [];
    this.#full.delete(addressKey(peer));
    for (const resolve of waiting) resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A toy server driven over a PressureLink, with sessions open for A and B. */
function drivenServer() {
  const endpoint = new Endpoint({ role: "server", plugins: [toy()] });
  const errors: Error[] = [];
  endpoint.on("error", ({ error }) => void errors.push(error));
  const driver = new Driver(endpoint);
  const link = new PressureLink();
  driver.attach(link);
  for (const [peer, id] of [[A, 1], [B, 2]] as const) {
    const hello = encodePacket({
      type: ConnectionPacket.HELLO,
      clientId: new Uint8Array(16).fill(id),
      reserved: 0,
      customId: 0,
      order: 0,
      payload: new Uint8Array(0),
      checksum: new Uint8Array(0),
    });
    driver.handlers.packet(hello, peer);
  }
  const [toA, toB] = [...endpoint.sessions];
  return { endpoint, driver, link, errors, toA: toA!, toB: toB! };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Driver backpressure", () => {
  it("holds a refused packet and everything after it for that peer, then sends them in order", async () => {
    const { driver, link, errors, toA, toB } = drivenServer();
    try {
      link.sent.length = 0;
      link.fill(A);
      for (const customId of [1, 2, 3]) await toA.send(new Uint8Array(10), { customId });
      await toB.send(new Uint8Array(10), { customId: 4 });
      await settle();
      assert.deepEqual(link.sent.map((s) => s.customId), [4], "B is not held up by A");
      link.makeRoom(A);
      await settle();
      assert.deepEqual(link.sent.map((s) => `${s.to}#${s.customId}`), [
        `${addressKey(B)}#4`,
        `${addressKey(A)}#1`,
        `${addressKey(A)}#2`,
        `${addressKey(A)}#3`,
      ]);
      assert.deepEqual(errors, [], "backpressure is not an error");
    } finally {
      driver.stop();
    }
  });

  it("passes a large packet's release to the link, also after holding it", async () => {
    const { driver, link, toA } = drivenServer();
    try {
      link.sent.length = 0;
      link.releases.length = 0;
      link.fill(A);
      await toA.send(new Uint8Array(20_000), { customId: 1 });
      await toA.send(new Uint8Array(10), { customId: 2 });
      await settle();
      link.makeRoom(A);
      await settle();
      assert.deepEqual(link.sent.map((s) => s.customId), [1, 2]);
      assert.equal(typeof link.releases[0], "function", "a 20 KB packet's buffer can come back");
      assert.equal(link.releases[1], undefined, "a small packet's slab view cannot");
    } finally {
      driver.stop();
    }
  });

  it(`drops and reports what would hold more than ${MAX_HELD_BYTES} bytes for one peer`, async () => {
    const { driver, link, errors, toA } = drivenServer();
    try {
      link.sent.length = 0;
      link.fill(A);
      const size = 60_000;
      const count = 75; // 4.5 MB: more than can be held
      for (let i = 0; i < count; i++) await toA.send(new Uint8Array(size), { customId: i });
      await settle();
      const kept = Math.floor(MAX_HELD_BYTES / (size + 64));
      assert.equal(errors.length, count - kept);
      assert.ok(
        errors.every((e) => e instanceof TransportError && e.code === "THING_ERR_BACKPRESSURE"),
      );
      link.makeRoom(A);
      await settle();
      assert.deepEqual(link.sent.map((s) => s.customId), Array.from({ length: kept }, (_, i) => i));
    } finally {
      driver.stop();
    }
  });
});
