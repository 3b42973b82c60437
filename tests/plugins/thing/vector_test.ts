import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { builtinTypeName } from "../../_packet_names.ts";
import { pair } from "../../../core/testing/mod.ts";
import { thing } from "../../../plugins/thing/mod.ts";
import { IDENTITY, Tap } from "./_fixtures.ts";
import type { VectorFile } from "../../../.ci/protocol_vectors.ts";

const vector: VectorFile = JSON.parse(
  readFileSync(new URL("../../vectors/thing_handshake.json", import.meta.url), "utf8"),
);
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const ascii = (s: string) => new TextEncoder().encode(s);
const packet = (type: string) => bytes(vector.packets.find((p) => p.type === type)!.hex);

describe("thing handshake vector (tests/vectors/thing_handshake.json)", () => {
  for (const implementation of ["auto", "noble"] as const) {
    it(`is reproduced byte for byte from fixed seeds (${implementation} crypto)`, async () => {
      const seen: { direction: string; type: string; hex: string }[] = [];
      const log = (direction: string) => {
        const tap = new Tap();
        tap.rewrite = (p, b) =>
          void seen.push({ direction, type: builtinTypeName(p.type), hex: hex(b) });
        return tap;
      };
      const p = pair({
        clientPlugins: thing({
          serverKey: IDENTITY.publicKey,
          suites: ["chacha20-poly1305"],
          implementation,
          statelessReset: false,
        }),
        serverPlugins: thing({ identity: IDENTITY, implementation }),
        toServer: log("client->server"),
        toClient: log("server->client"),
      });
      const session = await p.connect();
      await session.send(ascii(vector.message.text), {
        reliable: false,
        customId: vector.message.customId,
      });
      await p.net.drive();
      assert.equal(session.id, vector.clientId);
      assert.deepEqual(seen, vector.packets);
    });
  }

  it("follows docs/PROTOCOL.md §3, recomputed with the noble libraries alone", () => {
    for (const { type, hex: h } of vector.packets) {
      const b = bytes(h);
      // Sealed packets but SCC and CCC carry the authenticated bit: header and tag are hashed.
      const authenticated = (b[49]! & 0x80) !== 0;
      assert.equal(authenticated, ["SHF", "DATA_NOACK"].includes(type), type);
      const input = authenticated ? cat(b.subarray(32, 64), b.subarray(-16)) : b.subarray(32);
      assert.equal(hex(sha256(input)), h.slice(0, 64), "checksum");
    }
    const tail = (b: Uint8Array) => b.subarray(32);
    const [chi, shi, sdh, cdh] = ["CHI", "SHI", "SDH", "CDH"].map(packet) as Uint8Array[];
    assert.equal(chi!.length, 64 + 256);
    assert.deepEqual([...chi!.subarray(64, 68)], [1, 0, 1, 1]);
    assert.equal(hex(chi!.subarray(68, 100)), vector.clientRandom);
    assert.deepEqual([...shi!.subarray(64)], [
      1,
      0,
      1,
      ...new Uint8Array(new Uint32Array([vector.ttl]).buffer).reverse(),
    ]);
    const serverEph = x25519.getPublicKey(bytes(vector.serverEphemeralPrivate));
    const clientEph = x25519.getPublicKey(bytes(vector.clientEphemeralPrivate));
    assert.equal(hex(sdh!.subarray(64, 96)), hex(serverEph));
    assert.equal(hex(sdh!.subarray(96, 128)), vector.serverIdentityPublic);
    assert.equal(
      hex(ed25519.getPublicKey(bytes(vector.serverIdentitySeed))),
      vector.serverIdentityPublic,
    );
    const signed = sha256(cat(tail(chi!), tail(shi!), tail(sdh!).subarray(0, -64)));
    assert.ok(
      ed25519.verify(
        sdh!.subarray(128),
        cat(ascii("thing v1 server signature"), signed),
        bytes(vector.serverIdentityPublic),
      ),
    );
    assert.equal(hex(cdh!.subarray(64)), hex(clientEph));
    const shared = x25519.getSharedSecret(bytes(vector.clientEphemeralPrivate), serverEph);
    const th1 = sha256(cat(tail(chi!), tail(shi!), tail(sdh!), tail(cdh!)));
    const prk = extract(sha256, shared, th1);
    const derive = (label: string, n: number) =>
      expand(sha256, prk, cat(ascii(label), new Uint8Array([1])), n);
    const c2s = derive("thing v1 c2s key", 32);
    const s2c = derive("thing v1 s2c key", 32);
    const c2sIv = derive("thing v1 c2s iv", 12);
    const s2cIv = derive("thing v1 s2c iv", 12);
    const open = (b: Uint8Array, key: Uint8Array, iv: Uint8Array) => {
      const nonce = iv.slice();
      const order = b.subarray(56, 64);
      for (let i = 0; i < 8; i++) nonce[4 + i]! ^= order[i]!;
      return chacha20poly1305(key, nonce, b.subarray(32, 64)).decrypt(b.subarray(64));
    };
    const scc = open(packet("SCC"), s2c, s2cIv);
    assert.equal(hex(scc), hex(hmac(sha256, derive("thing v1 server confirm", 32), th1)));
    const ccc = open(packet("CCC"), c2s, c2sIv);
    assert.equal(hex(ccc), hex(hmac(sha256, derive("thing v1 client confirm", 32), cat(th1, scc))));
    assert.equal(open(packet("SHF"), s2c, s2cIv).length, 0);
    const data = packet("DATA_NOACK");
    assert.equal(new TextDecoder().decode(open(data, c2s, c2sIv)), vector.message.text);
    assert.equal((data[54]! << 8) | data[55]!, vector.message.customId);
    assert.equal(data[63], 1, "the client's second sealed packet has order count 1");
  });
});
