import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodePacket, encodeExtensions, type ThingError } from "../../../core/mod.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";
import { build, connectionPair, intruder, settle, stamp } from "./_helpers.ts";

const PEER = { hostname: "peer", port: 4242 };

/** A HELLO payload: the time, then `tail` (an extension list, or broken bytes). */
function hello(ms: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + tail.length);
  out.set(stamp(ms));
  out.set(tail, 8);
  return out;
}

describe("connection() extension lists (PROTOCOL §3.13)", () => {
  it("a HELLO offering an unknown extension is ACCEPTed with none taken (empty ACCEPT)", async () => {
    const p = connectionPair();
    const peer = intruder(p, PEER);
    const offered = encodeExtensions([{ type: 0x7001, data: new Uint8Array([1, 2]) }]);
    peer.send(new Uint8Array(16).fill(3), {
      type: ConnectionPacket.HELLO,
      payload: hello(p.net.clock.wallNow(), offered),
    });
    await p.net.drive();
    assert.deepEqual(peer.answers.types(), [ConnectionPacket.ACCEPT]);
    assert.equal(peer.answers.seen[0]!.payload.length, 0);
    assert.equal(p.server.sessions.size, 1);
  });

  it("a HELLO whose extension list is broken, or shorter than 8 bytes, is dropped unanswered", async () => {
    const p = connectionPair();
    const peer = intruder(p, PEER);
    const now = p.net.clock.wallNow();
    const id = new Uint8Array(16).fill(4);
    peer.send(id, {
      type: ConnectionPacket.HELLO,
      payload: hello(now, new Uint8Array([0, 7, 0, 9])),
    });
    peer.send(id, { type: ConnectionPacket.HELLO, payload: stamp(now).subarray(0, 7) });
    await p.net.drive();
    assert.equal(peer.answers.seen.length, 0);
    assert.equal(p.server.sessions.size, 0);
    assert.equal(p.server.stats.dropped["payload"], 2);
  });

  it("a client ends the handshake when ACCEPT takes an extension it did not offer", async () => {
    const taken = encodeExtensions([{ type: 0x7001, data: new Uint8Array(0) }]);
    // The server's ACCEPTs arrive carrying an extension the client never offered.
    const p = connectionPair({}, {
      down: {
        plan(bytes, now) {
          const packet = decodePacket(bytes.slice());
          if (packet.type !== ConnectionPacket.ACCEPT) return [{ bytes, at: now + 1 }];
          const forged = build(packet.clientId, { ...packet, payload: taken });
          return [{ bytes: forged, at: now + 1 }];
        },
      },
    });
    const failure = await settle(p, p.client.connect(p.serverAddress)).catch((error) => error);
    assert.equal((failure as ThingError).code, "THING_ERR_HANDSHAKE");
    assert.match(
      (failure as Error).message,
      /takes extension 28673, which this client did not offer/,
    );
  });
});
