import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeWelcome,
  encodeWelcome,
  readPacketMessage,
  webSocketUrl,
} from "../../../transports/websocket/message.ts";
import { makePacket } from "../../../core/testing/mod.ts";

const buffer = (bytes: Uint8Array) => bytes.slice().buffer;

describe("websocket messages", () => {
  it("readPacketMessage() returns a well-formed packet's bytes", () => {
    const packet = makePacket(10, 3);
    assert.deepEqual(readPacketMessage(buffer(packet), 1000), packet);
  });

  it("readPacketMessage() faults text, short, oversize and mislabelled messages", () => {
    assert.equal((readPacketMessage("hi", 1000) as { code: number }).code, 4003);
    assert.equal((readPacketMessage(new Uint8Array(64), 1000) as { code: number }).code, 4003);
    assert.equal((readPacketMessage(new ArrayBuffer(63), 1000) as { code: number }).code, 4007);
    assert.equal((readPacketMessage(buffer(makePacket(100)), 128) as { code: number }).code, 4009);
    const lying = makePacket(10);
    lying[53] = 11;
    assert.deepEqual(readPacketMessage(buffer(lying), 1000), {
      code: 4007,
      reason: "it sent a '74'-byte message whose header claims '75' bytes",
    });
  });

  it("decodeWelcome() reads what encodeWelcome() wrote and nothing else", () => {
    const peer = { hostname: "::1", port: 4242 };
    assert.deepEqual(decodeWelcome(encodeWelcome(peer)), peer);
    assert.equal(decodeWelcome(new ArrayBuffer(4)), undefined);
    assert.equal(decodeWelcome("not json"), undefined);
    assert.equal(decodeWelcome('{"thing":"other/1","hostname":"a","port":1}'), undefined);
    assert.equal(decodeWelcome('{"thing":"thing-ws/1","hostname":"a","port":70000}'), undefined);
    assert.equal(decodeWelcome("null"), undefined);
  });

  it("webSocketUrl() brackets IPv6 hosts and picks the scheme", () => {
    assert.equal(
      webSocketUrl({ hostname: "::1", port: 80 }, "/thing", false),
      "ws://[::1]:80/thing",
    );
    assert.equal(
      webSocketUrl({ hostname: "example.org", port: 443 }, "/t", true),
      "wss://example.org:443/t",
    );
  });
});
