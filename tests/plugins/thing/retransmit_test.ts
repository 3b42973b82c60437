import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeUnverified } from "../../../core/mod.ts";
import { pair } from "../../../core/testing/mod.ts";
import { Tap, thingPair } from "./_fixtures.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const { CHI, SHI, CDH, SCC, CCC, SHF } = ThingPacket;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The packets of `type` a tap saw, in order. */
function sent(tap: Tap, type: number): Uint8Array[] {
  return tap.sent.filter((bytes) => bytes[48] === type);
}

const orders = (packets: Uint8Array[]) => packets.map((b) => decodeUnverified(b).order);

describe("thing() handshake retransmission (docs/PROTOCOL.md §3.8)", () => {
  it("resends CHI and CDH byte for byte and CCC sealed again under the next order count", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toServer, toClient });
    const seen = new Map<number, number>();
    const loseFirst = (...types: number[]) => (packet: { type: number }) => {
      const count = seen.get(packet.type) ?? 0;
      seen.set(packet.type, count + 1);
      return types.includes(packet.type) && count === 0 ? null : undefined;
    };
    toServer.rewrite = loseFirst(CHI);
    toClient.rewrite = loseFirst(SCC, SHF);
    const session = await p.connect();
    assert.equal(session.state, "open");
    const [chi1, chi2] = sent(toServer, CHI);
    assert.equal(hex(chi2!), hex(chi1!), "a repeated CHI is the same bytes");
    const cdh = sent(toServer, CDH);
    assert.equal(cdh.length, 2, "the lost SCC drew a second CDH");
    assert.equal(hex(cdh[1]!), hex(cdh[0]!), "a repeated CDH is the same bytes");
    // The server answers the repeated CDH with SCC sealed again, under order 1; the client takes it.
    assert.deepEqual(orders(sent(toClient, SCC)), [0, 1]);
    // The lost SHF drew a second CCC: sealed again under the client's next order count.
    const ccc = sent(toServer, CCC);
    assert.deepEqual(orders(ccc), [0, 1]);
    assert.notEqual(hex(ccc[1]!.subarray(64)), hex(ccc[0]!.subarray(64)));
    assert.deepEqual(orders(sent(toClient, SHF)), [2, 3]);
  });

  it("drops a byte-identical repeat of CCC as a replay and answers only a freshly sealed one", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toServer, toClient });
    const drops: string[] = [];
    p.server.on("dropped", ({ reason }) => void drops.push(reason));
    let first: Uint8Array | undefined;
    let shf = 0;
    // SHF is lost once; the client's next CCC is swapped for a copy of its first one.
    toClient.rewrite = (packet) => (packet.type === SHF && shf++ === 0 ? null : undefined);
    toServer.rewrite = (packet, bytes) => {
      if (packet.type !== CCC) return undefined;
      if (first === undefined) {
        first = bytes.slice();
        return undefined;
      }
      return sent(toServer, CCC).length === 2 ? first : undefined;
    };
    const session = await p.connect();
    assert.equal(session.state, "open");
    assert.deepEqual(drops, ["thing-replay"]);
    assert.deepEqual(orders(sent(toServer, CCC)), [0, 1, 2]);
    assert.equal(sent(toClient, SHF).length, 2, "SHF answers the first and the third CCC only");
    assert.equal(sent(toClient, SHI).length, 1);
  });
});
