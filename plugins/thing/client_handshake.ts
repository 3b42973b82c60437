/**
 * The client side of the Thing handshake: CHI, then (after SHI and SDH) CDH, then (after SCC)
 * CCC, until SHF. With a ticket it resumes instead (docs/PROTOCOL.md §3.15): CRH, then (after SRH
 * and SCC) CCC, open at once; a refused ticket falls back to CHI. The client retransmits its last
 * flight with exponential backoff until the server's answer arrives or the handshake times out.
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
  type X25519KeyPair,
  x25519KeyPair,
} from "./crypto/mod.ts";
import type { Extension } from "../../core/extensions.ts";
import { type ThingDialectErrorCode, ticketError } from "./errors.ts";
import {
  agreeKey,
  backoff,
  confirmationFailure,
  failHandshake,
  SIGNATURE_LABEL,
  type TakenExtensions,
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
import {
  BINDER_SIZE,
  binderOffset,
  decodeConfirmation,
  decodeResumeAnswer,
  encodeResumeHello,
} from "./resumption_packets.ts";
import { extensionsIn } from "./thing_extensions.ts";
import { binderOf, resumedSharedOf, resumptionSecretOf } from "./resumption_keys.ts";
import { resumptionEvent, serverKeyEvent, ticketEvent } from "./events.ts";
import { ThingPacket } from "./packets.ts";
import type { ResumptionTicket } from "./ticket_store.ts";
import { ticketStoreKey } from "./ticket_store_key.ts";

type Step = "resume" | "hello" | "keys" | "confirm" | "finish" | "done";

/** One client handshake, for one session. */
export class ClientHandshake {
  readonly #host: ThingHost;
  readonly #control: SessionControl;
  readonly #random: Uint8Array;
  #resume: ResumptionTicket | undefined;
  #resumeKey: X25519KeyPair | undefined;
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
  #taken: TakenExtensions = { reset: false, resumption: false };
  #serverKey: Uint8Array | undefined;
  #th1: Uint8Array = new Uint8Array(0);
  #keys: SessionKeys | undefined;
  #resumptionSecret: Uint8Array | undefined;
  #resumed = false;
  #retransmitUntil = Infinity;

  /**
   * Prepares the handshake of `session`; call `start()` to send CHI (or CRH, with `resume`).
   *
   * @param resume a ticket of this server to resume with
   */
  constructor(host: ThingHost, control: SessionControl, resume?: ResumptionTicket) {
    this.#host = host;
    this.#control = control;
    this.#random = host.api.random.fill(new Uint8Array(RANDOM_SIZE));
    this.#resume = resume;
  }

  /** Whether the handshake waits for SHF (any authenticated server packet then completes it). */
  get awaitingFinish(): boolean {
    return this.#step === "finish";
  }

  /** Sends CHI (or CRH) and arms the handshake timeout. */
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
    if (this.#resume) {
      this.#step = "resume";
      return this.#sendResume();
    }
    this.#sendHello();
  }

  /** SHI arrived: a retry with a cookie, or the server's choice of suite and TTL. */
  onHello(packet: Packet): void {
    if (this.#step !== "hello" && this.#step !== "resume") return;
    const hello = decodeServerHello(packet.payload);
    if (!hello) return;
    if (hello.retry) {
      // At most one retry per handshake (as RFC 9000 §17.2.5.2): a second one, answering a resent
      // cookieless CHI, would change the CHI that the server's SHI and SDH are signed over.
      if (this.#cookie) return;
      this.#cookie = hello.cookie;
      this.#attempt = 0;
      return this.#step === "resume" ? this.#sendResume() : this.#sendHello();
    }
    if (this.#step !== "hello") return;
    const suite = this.#chosen(hello.suite, hello.extensions ?? []);
    if (!suite) return;
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
    this.#serverKey = keys.identity;
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
    if (this.#taken.resumption) {
      this.#resumptionSecret = resumptionSecretOf(shared, this.#th1, this.#host.config);
    }
    shared.fill(0);
    this.#host.install(this.#control.session, this.#keys, this.#suite!);
    this.#step = "confirm";
    this.#send({ type: ThingPacket.CDH, payload: cdh }, false);
  }

  /**
   * SRH arrived: the server took the ticket (derive the keys from the ticket's secret and a
   * fresh X25519, then wait for SCC) or refused it (fall back to a full handshake).
   */
  onResumeAnswer(packet: Packet): void {
    if (this.#step !== "resume") return;
    const answer = decodeResumeAnswer(packet.payload);
    if (!answer) return;
    const { api, config } = this.#host;
    const session = this.#control.session;
    const resume = this.#resume!;
    if (answer.refused) {
      api.emit(resumptionEvent, { session, resumed: false, error: ticketError(answer.reason) });
      this.#forgetResume();
      this.#step = "hello";
      this.#attempt = 0;
      return this.#sendHello();
    }
    const suite = this.#chosen(answer.suite, answer.extensions);
    if (!suite) return;
    const ephemeral = this.#resumeKey!;
    const shared = agreeKey(this.#host, this.#control, ephemeral.privateKey, answer.ephemeral);
    if (!shared) return;
    const secret = resumedSharedOf(resume.secret, shared, config);
    shared.fill(0);
    this.#suite = suite;
    this.#ttl = answer.ttl;
    this.#serverKey = resume.serverKey;
    this.#th1 = sha256(concat(this.#chi, transcriptEntry(packet)));
    this.#keys = deriveSessionKeys(secret, this.#th1, suite, config);
    if (this.#taken.resumption) {
      this.#resumptionSecret = resumptionSecretOf(secret, this.#th1, config);
    }
    secret.fill(0);
    this.#forgetResume();
    this.#resumed = true;
    this.#host.install(session, this.#keys, suite);
    this.#step = "confirm";
    // CRH stays the flight: if SCC is lost, the repeated CRH draws SRH and SCC again.
  }

  /** SCC arrived (opened): check the server's confirmation, then answer with CCC. */
  onConfirm(plaintext: Uint8Array): void {
    if (this.#step !== "confirm") return;
    const keys = this.#keys!;
    const { api, config } = this.#host;
    const decoded = decodeConfirmation(plaintext, this.#taken);
    const expected = hmacSha256(keys.serverConfirm, this.#th1, config);
    if (!decoded || !constantTimeEqual(decoded.confirm, expected)) {
      return this.#fail(
        "THING_ERR_AUTH",
        "Cannot confirm the server's keys (SCC): the handshake was tampered with",
      );
    }
    const { resetToken, ticket } = decoded.tokens;
    const session = this.#control.session;
    if (resetToken) this.#host.armReset(session, resetToken);
    if (ticket && this.#resumptionSecret) {
      const kept: ResumptionTicket = {
        serverKey: this.#serverKey!,
        secret: this.#resumptionSecret,
        ticket: ticket.bytes,
        expiresAt: api.clock.wallNow() + ticket.lifetime * 1000,
      };
      config.tickets?.put(ticketStoreKey(config, this.#control.peer), kept);
      api.emit(ticketEvent, { session, ticket: kept });
    }
    this.#step = "finish";
    const ccc = hmacSha256(keys.clientConfirm, concat(this.#th1, expected), config);
    this.#send({ type: ThingPacket.CCC, payload: ccc }, true);
    if (!this.#resumed) return;
    // Resumed: the server proved the ticket's secret and the fresh keys, so the client is open
    // now (one round trip); CCC is still resent until the server answers, for a while.
    this.#retransmitUntil = api.clock.now() + config.handshakeTimeout;
    this.#control.clearTimer(Timers.handshake);
    api.emit(resumptionEvent, { session, resumed: true });
    this.#host.established(this.#control, this.#ttl);
  }

  /** SHF (or any later authenticated server packet) arrived: the session is established. */
  onFinish(): void {
    if (this.#step !== "finish") return;
    this.#step = "done";
    this.#control.clearTimer(Timers.retransmit);
    if (this.#resumed) return;
    this.#control.clearTimer(Timers.handshake);
    this.#host.established(this.#control, this.#ttl);
  }

  /** A sealed packet failed authentication during the handshake. */
  onAuthFailure(type: number): void {
    if (this.#step === "confirm" && type === ThingPacket.SCC) {
      this.#fail("THING_ERR_AUTH", confirmationFailure("server", "SCC"));
    }
  }

  /** The suite of an SHI or SRH accept, after checking it and its extensions were offered. */
  #chosen(id: number, extensions: Extension[]): CipherSuite | undefined {
    // A server may take only what the client offered (docs/PROTOCOL.md §3.13).
    const foreign = this.#host.api.extensions.unoffered(extensions);
    if (foreign) {
      this.#fail(
        "THING_ERR_HANDSHAKE",
        `Cannot use extension ${foreign.type} chosen by the server: it was not offered`,
      );
      return undefined;
    }
    const suite = suiteFromId(id);
    if (!suite || !this.#host.config.suites.includes(suite)) {
      this.#fail(
        "THING_ERR_HANDSHAKE",
        `Cannot use cipher suite id ${id} chosen by the server: it was not offered`,
      );
      return undefined;
    }
    this.#control.setExtensions(extensions);
    this.#taken = extensionsIn(extensions);
    return suite;
  }

  #suiteIds(): number[] {
    return this.#host.config.suites.map((suite) => SUITE_IDS[suite]);
  }

  #sendHello(): void {
    const payload = encodeClientHello({
      suites: this.#suiteIds(),
      random: this.#random,
      cookie: this.#cookie,
      extensions: this.#host.api.extensions.offers(),
    });
    this.#chi = handshakeEntry(this.#control.clientId, ThingPacket.CHI, payload);
    this.#send({ type: ThingPacket.CHI, payload }, false);
  }

  #sendResume(): void {
    const { api, config } = this.#host;
    const resume = this.#resume!;
    this.#resumeKey ??= x25519KeyPair(api.random.fill(new Uint8Array(32)), config);
    const payload = encodeResumeHello({
      suites: this.#suiteIds(),
      random: this.#random,
      ephemeral: this.#resumeKey.publicKey,
      cookie: this.#cookie,
      ticket: resume.ticket,
      binder: new Uint8Array(BINDER_SIZE),
      extensions: this.#host.api.extensions.offers(),
    });
    const clientId = this.#control.clientId;
    const binder = binderOf(
      resume.secret,
      handshakeEntry(clientId, ThingPacket.CRH, payload),
      config,
    );
    payload.set(binder, binderOffset(payload));
    this.#chi = handshakeEntry(clientId, ThingPacket.CRH, payload);
    this.#send({ type: ThingPacket.CRH, payload }, false);
  }

  #forgetResume(): void {
    this.#resumeKey?.privateKey.fill(0);
    this.#resumeKey = undefined;
    this.#resume = undefined;
  }

  #send(init: PacketInit, sealed: boolean): void {
    this.#flight = init;
    this.#sealedFlight = sealed;
    this.#attempt = 0;
    this.#transmit();
  }

  #transmit(): void {
    const control = this.#control;
    const now = this.#host.api.clock.now();
    if (now > this.#retransmitUntil || control.state === "closed") return;
    if (this.#sealedFlight) control.sendPacket(this.#flight!);
    else this.#host.api.sendTo(control.peer, control.clientId, this.#flight!);
    const delay = backoff(this.#host.config, this.#attempt++);
    control.setTimer(Timers.retransmit, now + delay, () => this.#transmit());
  }

  #fail(code: ThingDialectErrorCode, message: string): void {
    this.#step = "done";
    this.#forgetResume();
    failHandshake(this.#host, this.#control, code, message);
  }
}
