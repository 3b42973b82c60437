/**
 * The server side of the Thing handshake. A CHI is answered statelessly with a cookie (a retry
 * SHI) when the server is under load; otherwise, or once the cookie comes back, the server keeps
 * state, answers SHI + SDH, then SCC after CDH and SHF after CCC. The server never retransmits on
 * its own: it repeats its last answer when the client repeats a message, within the three-times
 * anti-amplification budget of an address not yet validated.
 *
 * @module
 */
import type { Extension } from "../../core/extensions.ts";
import { HEADER_SIZE, type Packet, type PacketInit } from "../../core/packet.ts";
import type { Session, SessionControl } from "../../core/session.ts";
import type { PeerAddress } from "../../core/transport.ts";
import {
  AEAD_TAG_LENGTH,
  type CipherSuite,
  constantTimeEqual,
  deriveSessionKeys,
  ed25519Sign,
  hmacSha256,
  type SessionKeys,
  sha256,
  SUITE_IDS,
  suiteFromId,
  type X25519KeyPair,
  x25519KeyPair,
} from "./crypto/mod.ts";
import type { ThingDialectErrorCode } from "./errors.ts";
import { AmplificationBudget, CookieJar } from "./cookie.ts";
import {
  agreeKey,
  confirmationFailure,
  failHandshake,
  SIGNATURE_LABEL,
  type ThingHost,
  Timers,
} from "./host.ts";
import {
  type ClientHello,
  concat,
  decodeClientHello,
  encodeServerHello,
  encodeServerKeys,
  handshakeEntry,
  transcriptEntry,
} from "./packets.ts";
import { ThingPacket } from "./packets.ts";

/** Accepts CHIs for one server endpoint and tracks its half-open handshakes. */
export class ServerHandshakes {
  readonly #host: ThingHost;
  readonly #jar: CookieJar;
  readonly #halfOpen = new Set<Session>();

  /** Creates the acceptor of one server endpoint (`host`: the plugin's shared services). */
  constructor(host: ThingHost) {
    this.#host = host;
    this.#jar = new CookieJar(
      host.api.clock,
      host.api.random,
      host.config.cookieLifetime,
      () => host.api.service("cookieSecrets"),
    );
  }

  /** Forgets `session` as half-open (it finished or closed). */
  settle(session: Session): void {
    this.#halfOpen.delete(session);
  }

  /**
   * A CHI with no session at its address: answer with a cookie, or start a handshake.
   *
   * @returns the new handshake, or why the CHI was dropped / answered statelessly
   */
  accept(packet: Packet, peer: PeerAddress): ServerHandshake | "malformed" | "retry" {
    const hello = decodeClientHello(packet.payload);
    if (!hello) return "malformed";
    const cookieOk = hello.cookie !== undefined &&
      this.#jar.verify(hello.cookie, packet.clientId, peer);
    if (!cookieOk && (hello.cookie || this.#halfOpen.size >= this.#host.config.cookieThreshold)) {
      const payload = encodeServerHello({
        retry: true,
        cookie: this.#jar.mint(packet.clientId, peer),
      });
      this.#host.api.sendTo(peer, packet.clientId.slice(), { type: ThingPacket.SHI, payload });
      return "retry";
    }
    const control = this.#host.api.sessions.create(packet.clientId.slice(), peer);
    this.#halfOpen.add(control.session);
    const handshake = new ServerHandshake(this.#host, control, packet, hello, cookieOk);
    handshake.start();
    return handshake;
  }
}

type Step = "keys" | "confirm" | "done";

/** One server handshake, for one session. */
export class ServerHandshake {
  readonly #host: ThingHost;
  readonly #control: SessionControl;
  readonly #budget = new AmplificationBudget();
  readonly #chi: Uint8Array;
  readonly #suite: CipherSuite | undefined;
  #step: Step = "keys";
  #ephemeral: X25519KeyPair | undefined;
  #shi: PacketInit | undefined;
  #sdh: PacketInit | undefined;
  #th1: Uint8Array = new Uint8Array(0);
  #cdh: Uint8Array = new Uint8Array(0);
  #keys: SessionKeys | undefined;
  #scc: Uint8Array = new Uint8Array(0);
  /** The extensions of the client's offer that this server takes (SHI lists them). */
  readonly #taken: Extension[];

  /** Created by `ServerHandshakes.accept`. */
  constructor(
    host: ThingHost,
    control: SessionControl,
    chi: Packet,
    hello: ClientHello,
    validated: boolean,
  ) {
    this.#host = host;
    this.#control = control;
    this.#chi = transcriptEntry(chi);
    this.#budget.receive(HEADER_SIZE + chi.payload.length);
    this.#budget.validated = validated;
    this.#taken = host.api.extensions.answer(hello.extensions ?? []);
    control.setExtensions(this.#taken);
    const offered = hello.suites.map(suiteFromId);
    this.#suite = offered.find((suite) => suite && host.config.suites.includes(suite));
  }

  /** The session this handshake establishes. */
  get session(): Session {
    return this.#control.session;
  }

  /** Chooses the suite, signs the transcript and sends SHI + SDH. */
  start(): void {
    const { api, config } = this.#host;
    if (!this.#suite) {
      return this.#fail("THING_ERR_HANDSHAKE", "Cannot agree on a cipher suite with the client");
    }
    this.#control.setTimer(
      Timers.handshake,
      api.clock.now() + config.handshakeTimeout,
      () =>
        this.#fail(
          "THING_ERR_HANDSHAKE",
          `Cannot complete the thing handshake within ${config.handshakeTimeout} ms: the client went quiet`,
        ),
    );
    const shi = encodeServerHello({
      retry: false,
      suite: SUITE_IDS[this.#suite],
      ttl: config.ttl,
      extensions: this.#taken,
    });
    const clientId = this.#control.clientId;
    this.#ephemeral = x25519KeyPair(api.random.fill(new Uint8Array(32)), config);
    const identity = config.identity!;
    const unsigned = concat(this.#ephemeral.publicKey, identity.publicKey);
    const prefix = handshakeEntry(clientId, ThingPacket.SDH, concat(unsigned, new Uint8Array(64)));
    const signed = sha256(
      concat(this.#chi, handshakeEntry(clientId, ThingPacket.SHI, shi), prefix.subarray(0, -64)),
    );
    const signature = ed25519Sign(identity.privateKey!, concat(SIGNATURE_LABEL, signed), config);
    this.#shi = { type: ThingPacket.SHI, payload: shi };
    this.#sdh = {
      type: ThingPacket.SDH,
      payload: encodeServerKeys({
        ephemeral: this.#ephemeral.publicKey,
        identity: identity.publicKey,
        signature,
      }),
    };
    this.#sendHelloFlight();
  }

  /** The client repeated a CHI: repeat SHI + SDH if it is the same CHI. */
  onHelloAgain(packet: Packet): void {
    this.#budget.receive(HEADER_SIZE + packet.payload.length);
    if (this.#step === "keys" && constantTimeEqual(transcriptEntry(packet), this.#chi)) {
      this.#sendHelloFlight();
    }
  }

  /** CDH arrived: derive the keys and send SCC (again, for a repeated CDH). */
  onKeys(packet: Packet): void {
    this.#budget.receive(HEADER_SIZE + packet.payload.length);
    if (this.#step === "confirm" && constantTimeEqual(packet.payload, this.#cdh)) {
      return this.#sendSealed({ type: ThingPacket.SCC, payload: this.#scc });
    }
    if (this.#step !== "keys" || packet.payload.length !== 32) return;
    const shared = agreeKey(this.#host, this.#control, this.#ephemeral!.privateKey, packet.payload);
    if (!shared) return;
    this.#cdh = packet.payload.slice();
    const clientId = this.#control.clientId;
    this.#th1 = sha256(
      concat(
        this.#chi,
        handshakeEntry(clientId, ThingPacket.SHI, this.#shi!.payload!),
        handshakeEntry(clientId, ThingPacket.SDH, this.#sdh!.payload!),
        transcriptEntry(packet),
      ),
    );
    this.#keys = deriveSessionKeys(shared, this.#th1, this.#suite!, this.#host.config);
    shared.fill(0);
    this.#ephemeral!.privateKey.fill(0);
    this.#host.install(this.#control.session, this.#keys, this.#suite!);
    this.#scc = hmacSha256(this.#keys.serverConfirm, this.#th1, this.#host.config);
    this.#step = "confirm";
    this.#sendSealed({ type: ThingPacket.SCC, payload: this.#scc });
  }

  /** CCC arrived (opened): check it, open the session and send SHF (again, for a repeat). */
  onConfirm(plaintext: Uint8Array): void {
    if (this.#step === "done") return this.#control.sendPacket({ type: ThingPacket.SHF });
    if (this.#step !== "confirm") return;
    const expected = hmacSha256(
      this.#keys!.clientConfirm,
      concat(this.#th1, this.#scc),
      this.#host.config,
    );
    if (!constantTimeEqual(plaintext, expected)) {
      return this.#fail(
        "THING_ERR_AUTH",
        "Cannot confirm the client's keys (CCC): the handshake was tampered with",
      );
    }
    this.#step = "done";
    this.#budget.validated = true;
    this.#control.clearTimer(Timers.handshake);
    this.#control.sendPacket({ type: ThingPacket.SHF });
    this.#host.established(this.#control, this.#host.config.ttl);
  }

  /** A sealed packet failed authentication during the handshake. */
  onAuthFailure(type: number): void {
    if (this.#step === "confirm" && type === ThingPacket.CCC) {
      this.#fail("THING_ERR_AUTH", confirmationFailure("client", "CCC"));
    }
  }

  #sendHelloFlight(): void {
    const { api } = this.#host;
    for (const init of [this.#shi!, this.#sdh!]) {
      if (!this.#budget.trySend(HEADER_SIZE + init.payload!.length)) return;
      api.sendTo(this.#control.peer, this.#control.clientId, init);
    }
  }

  #sendSealed(init: PacketInit): void {
    if (this.#budget.trySend(HEADER_SIZE + init.payload!.length + AEAD_TAG_LENGTH)) {
      this.#control.sendPacket(init);
    }
  }

  #fail(code: ThingDialectErrorCode, message: string): void {
    this.#step = "done";
    failHandshake(this.#host, this.#control, code, message);
  }
}
