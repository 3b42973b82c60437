/**
 * The client side of the Thing handshake: CHI, then (after SHI and SDH) CDH, then (after SCC)
 * CCC, until SHF. The client retransmits its last flight with exponential backoff until the
 * server's answer arrives or the handshake times out.
 *
 * @module
 */
import type { Packet, PacketInit } from "../../core/packet.ts";
import type { SessionControl } from "../../core/session.ts";
import {
  type CipherSuite,
  constantTimeEqual,
  deriveSessionKeys,
  ed25519Verify,
  fingerprint,
  hmacSha256,
  type SessionKeys,
  sha256,
  SUITE_IDS,
  suiteFromId,
  x25519KeyPair,
} from "./crypto/mod.ts";
import type { ThingDialectErrorCode } from "./errors.ts";
import {
  agreeKey,
  backoff,
  confirmationFailure,
  failHandshake,
  SIGNATURE_LABEL,
  type ThingHost,
  Timers,
} from "./host.ts";
import {
  concat,
  decodeServerHello,
  decodeServerKeys,
  encodeClientHello,
  handshakeEntry,
  RANDOM_SIZE,
  transcriptEntry,
} from "./packets.ts";
import { serverKeyEvent } from "./events.ts";
import { ThingPacket } from "./packets.ts";

type Step = "hello" | "keys" | "confirm" | "finish" | "done";

/** One client handshake, for one session. */
export class ClientHandshake {
  readonly #host: ThingHost;
  readonly #control: SessionControl;
  readonly #random: Uint8Array;
  #step: Step = "hello";
  #flight: PacketInit | undefined;
  #sealedFlight = false;
  #attempt = 0;
  #cookie: Uint8Array | undefined;
  #chi: Uint8Array = new Uint8Array(0);
  #shi: Uint8Array = new Uint8Array(0);
  #early: Packet | undefined;
  #suite: CipherSuite | undefined;
  #ttl = 0;
  #th1: Uint8Array = new Uint8Array(0);
  #keys: SessionKeys | undefined;

  /** Prepares the handshake of `session`; call `start()` to send CHI. */
  constructor(host: ThingHost, control: SessionControl) {
    this.#host = host;
    this.#control = control;
    this.#random = host.api.random.fill(new Uint8Array(RANDOM_SIZE));
  }

  /** Whether the handshake waits for SHF (any authenticated server packet then completes it). */
  get awaitingFinish(): boolean {
    return this.#step === "finish";
  }

  /** Sends CHI and arms the handshake timeout. */
  start(): void {
    const { api, config } = this.#host;
    this.#control.setTimer(
      Timers.handshake,
      api.clock.now() + config.handshakeTimeout,
      () =>
        this.#fail(
          "THING_ERR_HANDSHAKE",
          `Cannot complete the thing handshake within ${config.handshakeTimeout} ms: check the server address and that it runs the thing dialect`,
        ),
    );
    this.#sendHello();
  }

  /** SHI arrived: a retry with a cookie, or the server's choice of suite and TTL. */
  onHello(packet: Packet): void {
    if (this.#step !== "hello") return;
    const hello = decodeServerHello(packet.payload);
    if (!hello) return;
    if (hello.retry) {
      // At most one retry per handshake (as RFC 9000 §17.2.5.2): a second one, answering a resent
      // cookieless CHI, would change the CHI that the server's SHI and SDH are signed over.
      if (this.#cookie) return;
      this.#cookie = hello.cookie;
      this.#attempt = 0;
      return this.#sendHello();
    }
    const taken = hello.extensions ?? [];
    const unoffered = this.#host.api.extensions.unoffered(taken);
    if (unoffered) {
      // A server may take only what the client offered (docs/PROTOCOL.md §3.13).
      return this.#fail(
        "THING_ERR_HANDSHAKE",
        `Cannot use extension ${unoffered.type} chosen by the server: it was not offered`,
      );
    }
    const suite = suiteFromId(hello.suite);
    if (!suite || !this.#host.config.suites.includes(suite)) {
      return this.#fail(
        "THING_ERR_HANDSHAKE",
        `Cannot use cipher suite id ${hello.suite} chosen by the server: it was not offered`,
      );
    }
    this.#control.setExtensions(taken);
    this.#suite = suite;
    this.#ttl = hello.ttl;
    this.#shi = transcriptEntry(packet);
    this.#step = "keys";
    const early = this.#early;
    this.#early = undefined;
    if (early) this.onKeys(early);
  }

  /** SDH arrived: check the server's identity and signature, then answer with CDH. */
  onKeys(packet: Packet): void {
    if (this.#step === "hello") {
      this.#early = {
        ...packet,
        payload: packet.payload.slice(),
        clientId: packet.clientId.slice(),
      };
      return;
    }
    if (this.#step !== "keys") return;
    const keys = decodeServerKeys(packet.payload);
    if (!keys) return;
    const { api, config } = this.#host;
    if (config.serverKey && !constantTimeEqual(keys.identity, config.serverKey)) {
      return this.#fail(
        "THING_ERR_AUTH",
        `Cannot trust server key ${fingerprint(keys.identity)}: the pinned key is ${
          fingerprint(config.serverKey)
        }; check --server-key or whether someone is in the middle`,
      );
    }
    const sdh = transcriptEntry(packet);
    const signed = sha256(concat(this.#chi, this.#shi, sdh.subarray(0, sdh.length - 64)));
    if (!ed25519Verify(keys.identity, concat(SIGNATURE_LABEL, signed), keys.signature, config)) {
      return this.#fail(
        "THING_ERR_AUTH",
        "Cannot verify the server's signature over the handshake: it was tampered with or someone is in the middle",
      );
    }
    api.emit(serverKeyEvent, {
      session: this.#control.session,
      publicKey: keys.identity,
      fingerprint: fingerprint(keys.identity),
      pinned: config.serverKey !== undefined,
    });
    const ephemeral = x25519KeyPair(api.random.fill(new Uint8Array(32)), config);
    const shared = agreeKey(this.#host, this.#control, ephemeral.privateKey, keys.ephemeral);
    if (!shared) return;
    const cdh = ephemeral.publicKey;
    this.#th1 = sha256(
      concat(
        this.#chi,
        this.#shi,
        sdh,
        handshakeEntry(this.#control.clientId, ThingPacket.CDH, cdh),
      ),
    );
    this.#keys = deriveSessionKeys(shared, this.#th1, this.#suite!, this.#host.config);
    shared.fill(0);
    this.#host.install(this.#control.session, this.#keys, this.#suite!);
    this.#step = "confirm";
    this.#send({ type: ThingPacket.CDH, payload: cdh }, false);
  }

  /** SCC arrived (opened): check the server's confirmation, then answer with CCC. */
  onConfirm(plaintext: Uint8Array): void {
    if (this.#step !== "confirm") return;
    const keys = this.#keys!;
    const expected = hmacSha256(keys.serverConfirm, this.#th1, this.#host.config);
    if (!constantTimeEqual(plaintext, expected)) {
      return this.#fail(
        "THING_ERR_AUTH",
        "Cannot confirm the server's keys (SCC): the handshake was tampered with",
      );
    }
    this.#step = "finish";
    const ccc = hmacSha256(keys.clientConfirm, concat(this.#th1, plaintext), this.#host.config);
    this.#send({ type: ThingPacket.CCC, payload: ccc }, true);
  }

  /** SHF (or any later authenticated server packet) arrived: the session is established. */
  onFinish(): void {
    if (this.#step !== "finish") return;
    this.#step = "done";
    this.#control.clearTimer(Timers.retransmit);
    this.#control.clearTimer(Timers.handshake);
    this.#host.established(this.#control, this.#ttl);
  }

  /** A sealed packet failed authentication during the handshake. */
  onAuthFailure(type: number): void {
    if (this.#step === "confirm" && type === ThingPacket.SCC) {
      this.#fail("THING_ERR_AUTH", confirmationFailure("server", "SCC"));
    }
  }

  #sendHello(): void {
    const suites = this.#host.config.suites.map((suite) => SUITE_IDS[suite]);
    const payload = encodeClientHello({
      suites,
      random: this.#random,
      cookie: this.#cookie,
      extensions: this.#host.api.extensions.offers(),
    });
    this.#chi = handshakeEntry(this.#control.clientId, ThingPacket.CHI, payload);
    this.#send({ type: ThingPacket.CHI, payload }, false);
  }

  #send(init: PacketInit, sealed: boolean): void {
    this.#flight = init;
    this.#sealedFlight = sealed;
    this.#attempt = 0;
    this.#transmit();
  }

  #transmit(): void {
    const control = this.#control;
    if (this.#sealedFlight) control.sendPacket(this.#flight!);
    else this.#host.api.sendTo(control.peer, control.clientId, this.#flight!);
    const delay = backoff(this.#host.config, this.#attempt++);
    control.setTimer(Timers.retransmit, this.#host.api.clock.now() + delay, () => this.#transmit());
  }

  #fail(code: ThingDialectErrorCode, message: string): void {
    this.#step = "done";
    failHandshake(this.#host, this.#control, code, message);
  }
}
