import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { AUTHENTICATED_BIT, encodePacket, type ThingError } from "../../../core/mod.ts";
import { pair } from "../../../core/testing/mod.ts";
import {
  ed25519Sign,
  nativeSuites,
  sha256,
  x25519KeyPair,
} from "../../../plugins/thing/crypto/mod.ts";
import { concat, transcriptEntry } from "../../../plugins/thing/packets.ts";
import { IDENTITY, OTHER_IDENTITY, Tap, thingPair, withPayload } from "./_fixtures.ts";
import { serverKeyEvent, ThingPacket } from "../../../plugins/thing/mod.ts";

const { CHI, SHI, SDH, CDH, CCC } = ThingPacket;
const LABEL = new TextEncoder().encode("thing v1 server signature");

function closeErrors(endpoint: ReturnType<typeof pair>["server"]): string[] {
  const codes: string[] = [];
  endpoint.on(
    "close",
    ({ error }) => codes.push((error as ThingError | undefined)?.code ?? "none"),
  );
  return codes;
}

async function failure(p: ReturnType<typeof pair>): Promise<string> {
  try {
    await p.connect();
  } catch (error) {
    return (error as ThingError).code;
  }
  return "connected";
}

describe("thing() handshake under attack", () => {
  it("detects a relay that swaps the server's ephemeral key (signature fails)", async () => {
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toClient });
    const mitm = x25519KeyPair(new Uint8Array(32).fill(9));
    toClient.rewrite = (packet) => {
      if (packet.type !== SDH) return undefined;
      const payload = packet.payload.slice();
      payload.set(mitm.publicKey, 0);
      return withPayload(packet, payload);
    };
    assert.equal(await failure(p), "THING_ERR_AUTH");
  });

  it("detects a relay that re-signs with its own identity, when the client pins the key", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toServer, toClient });
    const mitm = x25519KeyPair(new Uint8Array(32).fill(9));
    let chi: Uint8Array = new Uint8Array(0);
    let shi: Uint8Array = new Uint8Array(0);
    toServer.rewrite = (packet) => {
      if (packet.type === CHI) chi = transcriptEntry(packet);
      return undefined;
    };
    toClient.rewrite = (packet) => {
      if (packet.type === SHI) shi = transcriptEntry(packet);
      if (packet.type !== SDH) return undefined;
      const unsigned = concat(mitm.publicKey, OTHER_IDENTITY.publicKey);
      const entry = transcriptEntry({ ...packet, payload: concat(unsigned, new Uint8Array(64)) });
      const signed = sha256(concat(chi, shi, entry.subarray(0, -64)));
      const signature = ed25519Sign(OTHER_IDENTITY.privateKey, concat(LABEL, signed));
      return withPayload(packet, concat(unsigned, signature));
    };
    const seen: boolean[] = [];
    p.client.on(serverKeyEvent, () => seen.push(true));
    assert.equal(await failure(p), "THING_ERR_AUTH");
    assert.deepEqual(seen, []);
  });

  it("detects a relay that swaps the client's key (SCC does not authenticate)", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair({}, { handshakeTimeout: 2000 }), toServer });
    const serverErrors = closeErrors(p.server);
    const mitm = x25519KeyPair(new Uint8Array(32).fill(5));
    toServer.rewrite = (packet) =>
      packet.type === CDH ? withPayload(packet, mitm.publicKey) : undefined;
    assert.equal(await failure(p), "THING_ERR_AUTH");
    await p.net.runFor(20_000);
    assert.deepEqual(serverErrors, ["THING_ERR_HANDSHAKE"]);
    assert.equal(p.server.sessions.size, 0);
  });

  it("ends the server's handshake with THING_ERR_AUTH when CCC is tampered with", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair(), toServer });
    const serverErrors = closeErrors(p.server);
    toServer.rewrite = (packet) => {
      if (packet.type !== CCC) return undefined;
      const payload = packet.payload.slice();
      payload[3]! ^= 0x40;
      return withPayload(packet, payload);
    };
    p.client.connect(p.serverAddress).catch(() => {});
    await p.net.runFor(200);
    assert.deepEqual(serverErrors, ["THING_ERR_AUTH"]);
  });

  it("cannot be downgraded: a relay that rewrites the offered suites breaks the signature", async () => {
    const toServer = new Tap();
    const p = pair({
      ...thingPair({ suites: ["aes-256-gcm", "chacha20-poly1305"] }),
      toServer,
    });
    toServer.rewrite = (packet) => {
      if (packet.type !== CHI) return undefined;
      const payload = packet.payload.slice();
      payload[3] = 1; // chacha20-poly1305 only
      payload[4] = 1;
      return withPayload(packet, payload);
    };
    assert.equal(await failure(p), "THING_ERR_AUTH");
  });

  it("retransmits lost handshake packets with backoff and still connects", async () => {
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({ ...thingPair(), toServer, toClient });
    const lost = new Set<number>();
    const loseOnce = (packet: { type: number }) => {
      if (lost.has(packet.type)) return undefined;
      lost.add(packet.type);
      return null;
    };
    toServer.rewrite = loseOnce;
    toClient.rewrite = loseOnce;
    const session = await p.connect();
    assert.equal(session.state, "open");
    assert.deepEqual([...lost].sort(), [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26]);
  });

  it("abandons a half-finished handshake after its timeout, on both sides", async () => {
    const toClient = new Tap();
    const p = pair({
      clientPlugins: thingPair({ handshakeTimeout: 3000 }).clientPlugins,
      serverPlugins: thingPair({}, { handshakeTimeout: 3000 }).serverPlugins,
      toClient,
    });
    toClient.rewrite = (packet) => (packet.type === ThingPacket.SCC ? null : undefined);
    const serverErrors = closeErrors(p.server);
    assert.equal(await failure(p), "THING_ERR_HANDSHAKE");
    await p.net.runFor(5000);
    assert.deepEqual(serverErrors, ["THING_ERR_HANDSHAKE"]);
    assert.equal(p.server.sessions.size, 0);
    assert.equal(p.client.sessions.size, 0);
  });

  it("gives identical packets with native and noble crypto", async () => {
    const runs: string[][] = [];
    for (const implementation of ["native", "noble"] as const) {
      const toServer = new Tap();
      const toClient = new Tap();
      const options = thingPair(
        { implementation, suites: nativeSuites().slice(0, 1) },
        { implementation, identity: IDENTITY },
      );
      const p = pair({ ...options, toServer, toClient });
      const session = await p.connect();
      await session.send(new Uint8Array([1, 2, 3]), { reliable: false });
      await p.net.drive();
      runs.push([...toServer.sent, ...toClient.sent].map((b) => Buffer.from(b).toString("hex")));
    }
    assert.equal(runs[0]!.length, 8);
    assert.deepEqual(runs[0], runs[1]);
  });

  it("drops a handshake packet that carries the authenticated bit, whose payload nothing covers", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair(), toServer });
    const drops: string[] = [];
    p.server.on("dropped", ({ reason }) => void drops.push(reason));
    toServer.rewrite = (packet) =>
      packet.type === CHI && drops.length === 0
        ? encodePacket({ ...packet, reserved: AUTHENTICATED_BIT })
        : undefined;
    const session = await p.connect();
    assert.deepEqual(drops, ["thing-auth"]);
    assert.equal(session.state, "open", "the retransmitted CHI goes through");
  });
});
