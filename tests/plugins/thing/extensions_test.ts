import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeExtensions, encodePacket, type ThingError } from "../../../core/mod.ts";
import { pair } from "../../../core/testing/mod.ts";
import {
  CHI_PAYLOAD_SIZE,
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
} from "../../../plugins/thing/packets.ts";
import { Tap, thingPair, withPayload } from "./_fixtures.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const { CHI, SHI, SDH } = ThingPacket;
const peer = { hostname: "10.0.0.1", port: 4000 };
const entry = (type: number, data: number[]) => ({ type, data: new Uint8Array(data) });

function chiBytes(payload: Uint8Array): Uint8Array {
  return encodePacket({
    type: CHI,
    clientId: new Uint8Array(16).fill(3),
    reserved: 0,
    customId: 0,
    order: 0,
    payload,
    checksum: new Uint8Array(0),
  });
}

describe("CHI and SHI extension lists (docs/PROTOCOL.md §3.13)", () => {
  it("decodeExtensions() reads entries up to a zero type or the end, and rejects broken lists", () => {
    assert.deepEqual(decodeExtensions(new Uint8Array(219)), [], "v1 zero padding: an empty list");
    assert.deepEqual(decodeExtensions(new Uint8Array([0, 7, 0, 1, 9, 0, 0, 5, 5])), [
      entry(7, [9]),
    ]);
    assert.deepEqual(decodeExtensions(new Uint8Array([0, 7, 0, 0, 0])), [entry(7, [])]);
    assert.equal(decodeExtensions(new Uint8Array([0, 7, 0, 2, 9])), undefined, "runs past the end");
    assert.equal(decodeExtensions(new Uint8Array([0, 7, 0])), undefined, "a cut entry head");
    assert.equal(
      decodeExtensions(new Uint8Array([0, 7, 0, 0, 0, 7, 0, 0])),
      undefined,
      "a repeated type",
    );
  });

  it("CHI is at least 256 bytes and carries its extensions after the cookie", () => {
    const hello = { suites: [1, 2], random: new Uint8Array(32).fill(4), cookie: undefined };
    const plain = encodeClientHello(hello);
    assert.equal(plain.length, CHI_PAYLOAD_SIZE);
    assert.deepEqual(decodeClientHello(plain)?.extensions, []);
    const big = entry(0x7001, Array.from({ length: 300 }, (_, i) => i & 0xff));
    const long = encodeClientHello({ ...hello, extensions: [entry(0x7000, []), big] });
    assert.equal(long.length, 3 + 2 + 32 + 1 + 4 + 304);
    assert.deepEqual(decodeClientHello(long)?.extensions, [entry(0x7000, []), big]);
    const padded = new Uint8Array(300);
    padded.set(plain);
    assert.deepEqual(decodeClientHello(padded)?.suites, [1, 2], "longer than 256 is accepted");
    assert.equal(decodeClientHello(plain.subarray(0, 255)), undefined, "shorter is not");
  });

  it("the server ignores an extension it does not know and takes none (v1 knows none)", () => {
    const p = pair(thingPair());
    const payload = encodeClientHello({
      suites: [1],
      random: new Uint8Array(32),
      cookie: undefined,
      extensions: [entry(0x7abc, [1, 2, 3])],
    });
    p.server.handleDatagram(chiBytes(payload), peer);
    const shi = p.server.pollTransmit()!.bytes;
    assert.equal(shi[48], SHI);
    assert.equal(shi.length, 64 + 7, "an SHI accept without extensions");
    assert.equal(p.server.pollTransmit()?.bytes[48], SDH);
    assert.equal(p.server.sessions.size, 1);
  });

  it("the server drops, unanswered, a CHI of another version or with a broken extension list", () => {
    const p = pair(thingPair());
    const hello = () =>
      encodeClientHello({ suites: [1], random: new Uint8Array(32), cookie: undefined });
    const broken = hello();
    broken.set([0x70, 0x00, 0xff, 0xff], 3 + 1 + 32 + 1);
    const version2 = hello();
    version2[0] = 2;
    p.server.handleDatagram(chiBytes(broken), peer);
    p.server.handleDatagram(chiBytes(version2), peer);
    assert.equal(p.server.pollTransmit(), undefined);
    assert.equal(p.server.stats.dropped["thing-bad-chi"], 2);
    assert.equal(p.server.sessions.size, 0);
  });

  it("a client ends the handshake when SHI chooses an extension it did not offer", async () => {
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toClient });
    toClient.rewrite = (packet) => {
      if (packet.type !== SHI) return undefined;
      const hello = decodeServerHello(packet.payload)!;
      assert.equal(hello.retry, false);
      if (hello.retry) return undefined;
      return withPayload(packet, encodeServerHello({ ...hello, extensions: [entry(9, [])] }));
    };
    const error = await p.connect().then(() => undefined, (e: ThingError) => e);
    assert.equal(error?.code, "THING_ERR_HANDSHAKE");
    assert.match(error?.message ?? "", /extension 9/);
  });
});
