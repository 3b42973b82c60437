import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { decodeUnverified, encodePacket } from "../../../core/codec.ts";
import type { Packet } from "../../../core/packet.ts";
import { pair } from "../../../core/testing/mod.ts";
import { MemoryTicketStore, ThingPacket } from "../../../plugins/thing/mod.ts";
import { fingerprint } from "../../../plugins/thing/crypto/mod.ts";
import { IDENTITY, thingPair } from "./_fixtures.ts";

// A resuming client written from docs/PROTOCOL.md §3.15 and §3.16 alone, with the noble
// libraries, against the plugin's server: if the text and the code disagree, this fails.

const { CRH, SRH, SCC, CCC, SHF } = ThingPacket;
const ascii = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string, length: number) =>
  expand(sha256, extract(sha256, ikm, salt), ascii(info), length);
const EMPTY = new Uint8Array(0);

/** `T(X)`: header bytes 32..63 then the payload (§3.4). */
function entry(packet: Pick<Packet, "type" | "clientId" | "reserved" | "order" | "payload">) {
  const header = cat(
    packet.clientId,
    Uint8Array.of(
      packet.type,
      packet.reserved >> 16,
      (packet.reserved >> 8) & 0xff,
      packet.reserved & 0xff,
    ),
    u16(packet.payload.length),
    u16(0),
    new Uint8Array(4),
    u32(packet.order),
  );
  return cat(header, packet.payload);
}

function nonce(iv: Uint8Array, order: number) {
  const out = iv.slice();
  const count = cat(new Uint8Array(8), u32(order));
  for (let i = 0; i < 12; i++) out[i]! ^= count[i]!;
  return out;
}

/** The §3.4 key schedule over `ikm` and `th` for suite 1 (ChaCha20-Poly1305). */
function schedule(ikm: Uint8Array, th: Uint8Array) {
  const prk = extract(sha256, ikm, th);
  const out = (label: string, n: number) =>
    expand(sha256, prk, cat(ascii(label), Uint8Array.of(1)), n);
  return {
    c2s: out("thing v1 c2s key", 32),
    s2c: out("thing v1 s2c key", 32),
    c2sIv: out("thing v1 c2s iv", 12),
    s2cIv: out("thing v1 s2c iv", 12),
    clientConfirm: out("thing v1 client confirm", 32),
    serverConfirm: out("thing v1 server confirm", 32),
  };
}

/** Resumes by hand with `secret` and `ticket`; returns the server's answers and the next ticket. */
function resumeByHand(
  server: ReturnType<typeof pair>["server"],
  peer: { hostname: string; port: number },
  secret: Uint8Array,
  ticket: Uint8Array,
  clientId: Uint8Array,
) {
  const ephemeral = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
  const extensions = cat(u16(2), u16(0), u16(3), u16(0));
  const crhWith = (binder: Uint8Array) =>
    cat(
      Uint8Array.of(1, 0, 1, 1),
      new Uint8Array(32).fill(0x11),
      x25519.getPublicKey(ephemeral),
      Uint8Array.of(0),
      u16(ticket.length),
      ticket,
      binder,
      extensions,
    );
  const crhPacket = (payload: Uint8Array) => ({
    type: CRH,
    clientId,
    reserved: 0,
    order: 0,
    payload,
  });
  const binderKey = hkdf(secret, EMPTY, "thing v1 binder", 32);
  const binder = hmac(sha256, binderKey, sha256(entry(crhPacket(crhWith(new Uint8Array(32))))));
  const crh = crhPacket(crhWith(binder));
  server.handleDatagram(encodePacket({ ...crh, customId: 0, checksum: EMPTY }), peer);
  const answers: Packet[] = [];
  for (let t = server.pollTransmit(); t; t = server.pollTransmit()) {
    answers.push(decodeUnverified(t.bytes));
  }
  const srh = answers.find((p) => p.type === SRH)!;
  assert.ok(srh, "the server answers SRH");
  assert.equal(srh.payload[1], 0, "an acceptance");
  const serverKey = srh.payload.subarray(7, 39);
  const shared = x25519.getSharedSecret(ephemeral, serverKey);
  const ikm = hmac(sha256, secret, shared);
  const th = sha256(cat(entry(crh), entry(srh)));
  const keys = schedule(ikm, th);
  const scc = answers.find((p) => p.type === SCC)!;
  const ad = entry({ ...scc, payload: EMPTY }).subarray(0, 32);
  ad.set(u16(scc.payload.length), 20);
  const plain = chacha20poly1305(keys.s2c, nonce(keys.s2cIv, scc.order), ad).decrypt(scc.payload);
  const confirm = hmac(sha256, keys.serverConfirm, th);
  assert.deepEqual(plain.subarray(0, 32), confirm, "SCC = HMAC(server confirm, TH)");
  const token = plain.subarray(32, 48);
  const lifetime = new DataView(plain.buffer, plain.byteOffset).getUint32(48);
  const next = {
    secret: hkdf(ikm, th, "thing v1 resumption", 32),
    ticket: plain.slice(52),
  };
  const ccc = hmac(sha256, keys.clientConfirm, cat(th, confirm));
  const cccAd = cat(
    clientId,
    Uint8Array.of(CCC, 0, 0, 0),
    u16(48),
    u16(0),
    new Uint8Array(4),
    u32(0),
  );
  const sealed = chacha20poly1305(keys.c2s, nonce(keys.c2sIv, 0), cccAd).encrypt(ccc);
  server.handleDatagram(
    encodePacket({
      type: CCC,
      clientId,
      reserved: 0,
      customId: 0,
      order: 0,
      payload: sealed,
      checksum: EMPTY,
    }),
    peer,
  );
  const after: number[] = [];
  for (let t = server.pollTransmit(); t; t = server.pollTransmit()) after.push(t.bytes[48]!);
  return { after, token, lifetime, next };
}

describe("docs/PROTOCOL.md §3.15 and §3.16, implemented from the text", () => {
  it("a hand-written resuming client is accepted, reads its tokens and resumes again with the next ticket", async () => {
    const tickets = new MemoryTicketStore();
    const p = pair(
      thingPair({ tickets, suites: ["chacha20-poly1305"] }, { ticketLifetime: 7200_000 }),
    );
    const session = await p.connect();
    const closing = session.close();
    await p.net.drive();
    await closing;
    const kept = tickets.take(fingerprint(IDENTITY.publicKey))!;
    const peer = { hostname: "hand", port: 9 };
    const first = resumeByHand(
      p.server,
      peer,
      kept.secret,
      kept.ticket,
      new Uint8Array(16).fill(0xa1),
    );
    assert.deepEqual(first.after, [SHF], "CCC opens the session: SHF");
    assert.equal(first.lifetime, 7200);
    const resetKey = hkdf(IDENTITY.privateKey!, EMPTY, "thing v1 stateless reset key", 32);
    const expected = hmac(
      sha256,
      resetKey,
      cat(ascii("thing v1 reset token"), new Uint8Array(16).fill(0xa1)),
    );
    assert.deepEqual(first.token, expected.subarray(0, 16), "the reset token of §3.16");
    const second = resumeByHand(
      p.server,
      peer,
      first.next.secret,
      first.next.ticket,
      new Uint8Array(16).fill(0xa2),
    );
    assert.deepEqual(second.after, [SHF], "the next secret of §3.15 proves the next ticket");
  });
});
