import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { ThingError } from "../../../core/mod.ts";
import { pair } from "../../../core/testing/mod.ts";
import { decodeClientHello } from "../../../plugins/thing/packets.ts";
import { Tap, thingPair, withPayload } from "./_fixtures.ts";
import { ThingPacket } from "../../../plugins/thing/mod.ts";

const { CHI, SHI, SHF, DATA_NOACK } = ThingPacket;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function closeErrors(endpoint: ReturnType<typeof pair>["server"]): string[] {
  const codes: string[] = [];
  endpoint.on(
    "close",
    ({ error }) => codes.push((error as ThingError | undefined)?.code ?? "none"),
  );
  return codes;
}

describe("thing() handshake choices (docs/PROTOCOL.md §3.2, §3.7)", () => {
  it("the server takes the first suite of the client's list that it accepts", async () => {
    const toClient = new Tap();
    const p = pair({
      ...thingPair(
        { suites: ["aes-256-gcm", "chacha20-poly1305"], implementation: "noble" },
        { suites: ["chacha20-poly1305", "aes-256-gcm"], implementation: "noble" },
      ),
      toClient,
    });
    await p.connect();
    const shi = toClient.sent.find((b) => b[48] === SHI)!;
    assert.equal(shi[64 + 2], 2, "AES-256-GCM (id 2), the client's first choice");
  });

  it("no common suite ends the server's handshake with THING_ERR_HANDSHAKE, unanswered", async () => {
    const toClient = new Tap();
    const p = pair({
      clientPlugins: thingPair({ suites: ["aes-256-gcm"], handshakeTimeout: 2000 }).clientPlugins,
      serverPlugins: thingPair({}, { suites: ["chacha20-poly1305"] }).serverPlugins,
      toClient,
    });
    const serverErrors = closeErrors(p.server);
    const error = await p.connect().then(() => undefined, (e: ThingError) => e);
    assert.equal(error?.code, "THING_ERR_HANDSHAKE");
    assert.ok(serverErrors.every((code) => code === "THING_ERR_HANDSHAKE"));
    assert.ok(serverErrors.length >= 1);
    assert.deepEqual(toClient.sent, [], "the server sends nothing");
  });

  it("a client ends the handshake when SHI chooses a suite it did not offer", async () => {
    const toClient = new Tap();
    const p = pair({ ...thingPair({ suites: ["chacha20-poly1305"] }), toClient });
    toClient.rewrite = (packet) => {
      if (packet.type !== SHI) return undefined;
      const payload = packet.payload.slice();
      payload[2] = 2;
      return withPayload(packet, payload);
    };
    const error = await p.connect().then(() => undefined, (e: ThingError) => e);
    assert.equal(error?.code, "THING_ERR_HANDSHAKE");
    assert.match(error?.message ?? "", /suite id 2/);
  });

  it("a CHI retried with a cookie keeps the client ID and the client random", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair({}, { cookieThreshold: 0 }), toServer });
    await p.connect();
    const [first, second] = toServer.sent.filter((b) => b[48] === CHI);
    assert.equal(hex(second!.subarray(32, 48)), hex(first!.subarray(32, 48)));
    const a = decodeClientHello(first!.subarray(64))!;
    const b = decodeClientHello(second!.subarray(64))!;
    assert.equal(a.cookie, undefined);
    assert.equal(b.cookie?.length, 20);
    assert.equal(hex(b.random), hex(a.random));
  });

  it("the client opens on the first authenticated server packet after CCC when SHF is lost", async () => {
    const toClient = new Tap();
    const p = pair({ ...thingPair({ retransmitTimeout: 5000 }), toClient });
    toClient.rewrite = (packet) => (packet.type === SHF ? null : undefined);
    p.server.on("session", ({ session }) => {
      session.send(new TextEncoder().encode("early"), { reliable: false }).catch(() => {});
    });
    const got: string[] = [];
    p.client.on("message", ({ data }) => got.push(new TextDecoder().decode(data)));
    const start = p.net.clock.now();
    const session = await p.connect();
    assert.equal(session.state, "open");
    assert.ok(p.net.clock.now() - start < 5000, "without waiting for a CCC retransmission");
    await p.net.drive();
    assert.deepEqual(got, ["early"]);
    assert.deepEqual(toClient.types().filter((t) => t === SHF).length, 1);
    assert.ok(toClient.types().includes(DATA_NOACK));
  });
});
