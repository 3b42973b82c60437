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
  type SessionKeys,
  sha256,
  SUITE_IDS,
  suiteFromId,
  type X25519KeyPair,
  x25519KeyPair,
} from "./crypto/mod.ts";
import { type ThingDialectErrorCode, ticketError } from "./errors.ts";
import { AmplificationBudget, CookieJar } from "./cookie.ts";
import {
  agreeKey,
  confirmationFailure,
  failHandshake,
  SIGNATURE_LABEL,
  type TakenExtensions,
  type ThingHost,
  Timers,
} from "./host.ts";
import { ticketRefusedEvent } from "./events.ts";
import { toHex } from "../../core/hex.ts";
import {
  BINDER_SIZE,
  binderOffset,
  decodeResumeHello,
  encodeResumeAnswer,
  type RefusalCode,
  RefusalReason,
  type ResumeHello,
} from "./resumption_packets.ts";
import { binderOf, resumptionSecretOf } from "./resumption_keys.ts";
import { ResumedServerHandshake } from "./server_resume.ts";
import { extensionsIn } from "./thing_extensions.ts";
import {
  confirmsServer,
  confirmToClient,
  openConfirmed,
  type ServerConfirmation,
} from "./server_confirm.ts";
import type { OpenedTicket, Tickets } from "./tickets.ts";
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

/** What the plugin drives of a server handshake, full or resumed. */
export interface ServerSide {
  /** The session it establishes. */
  readonly session: Session;
  /** The client repeated its hello (CHI or CRH). */
  onHelloAgain(packet: Packet): void;
  /** CDH arrived. */
  onKeys(packet: Packet): void;
  /** CCC arrived (opened). */
  onConfirm(plaintext: Uint8Array): void;
  /** A sealed packet failed authentication during the handshake. */
  onAuthFailure(type: number): void;
}

/** Accepts CHIs and CRHs for one server endpoint and tracks its half-open handshakes. */
export class ServerHandshakes {
  readonly #host: ThingHost;
  readonly #jar: CookieJar;
  readonly #tickets: Tickets;
  readonly #halfOpen = new Set<Session>();

  /**
   * Creates the acceptor of one server endpoint (`host`: the plugin's shared services; `tickets`:
   * the endpoint's ticket keys).
   */
  constructor(host: ThingHost, tickets: Tickets) {
    this.#host = host;
    this.#tickets = tickets;
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
    const validated = this.#validate(packet, peer, hello.cookie);
    if (validated === "retry") return "retry";
    const control = this.#host.api.sessions.create(packet.clientId.slice(), peer);
    this.#halfOpen.add(control.session);
    const handshake = new ServerHandshake(this.#host, control, packet, hello, validated);
    handshake.start();
    return handshake;
  }

  /**
   * A CRH with no session at its address: answer with a cookie, refuse its ticket (SRH refused),
   * or start a resumed handshake.
   *
   * @returns the new handshake, or why the CRH was dropped or answered statelessly
   */
  acceptResume(
    packet: Packet,
    peer: PeerAddress,
  ): ResumedServerHandshake | "malformed" | "retry" | "refused" {
    const hello = decodeResumeHello(packet.payload);
    if (!hello) return "malformed";
    const validated = this.#validate(packet, peer, hello.cookie);
    if (validated === "retry") return "retry";
    const opened = this.#openTicket(packet, hello);
    if (typeof opened === "number") {
      const { api } = this.#host;
      const payload = encodeResumeAnswer({ refused: true, reason: opened });
      api.sendTo(peer, packet.clientId.slice(), { type: ThingPacket.SRH, payload });
      api.emit(ticketRefusedEvent, {
        peer,
        clientId: toHex(packet.clientId),
        error: ticketError(opened),
      });
      return "refused";
    }
    const control = this.#host.api.sessions.create(packet.clientId.slice(), peer);
    this.#halfOpen.add(control.session);
    const handshake = new ResumedServerHandshake(
      this.#host,
      control,
      packet,
      hello,
      opened.secret,
      validated,
    );
    handshake.start();
    return handshake;
  }

  /** Whether the hello's address is validated, or needs a retry (sent here). */
  #validate(
    packet: Packet,
    peer: PeerAddress,
    cookie: Uint8Array | undefined,
  ): boolean | "retry" {
    const cookieOk = cookie !== undefined && this.#jar.verify(cookie, packet.clientId, peer);
    if (!cookieOk && (cookie || this.#halfOpen.size >= this.#host.config.cookieThreshold)) {
      const payload = encodeServerHello({
        retry: true,
        cookie: this.#jar.mint(packet.clientId, peer),
      });
      this.#host.api.sendTo(peer, packet.clientId.slice(), { type: ThingPacket.SHI, payload });
      return "retry";
    }
    return cookieOk;
  }

  /** Opens the CRH's ticket and checks its binder and that it was not used here before. */
  #openTicket(packet: Packet, hello: ResumeHello): OpenedTicket | RefusalCode {
    const opened = this.#tickets.open(hello.ticket);
    if (typeof opened === "number") return opened;
    const zeroed = packet.payload.slice();
    const at = binderOffset(zeroed);
    zeroed.fill(0, at, at + BINDER_SIZE);
    const entry = handshakeEntry(packet.clientId, ThingPacket.CRH, zeroed);
    if (!constantTimeEqual(binderOf(opened.secret, entry, this.#host.config), hello.binder)) {
      return RefusalReason.binder;
    }
    return this.#tickets.markUsed(opened) ? opened : RefusalReason.replayed;
  }
}

type Step = "keys" | "confirm" | "done";

/** One server handshake, for one session. */
export class ServerHandshake implements ServerSide {
  readonly #host: ThingHost;
  readonly #control: SessionControl;
  readonly #budget = new AmplificationBudget();
  readonly #chi: Uint8Array;
  readonly #suite: CipherSuite | undefined;
  readonly #taken: TakenExtensions;
  #step: Step = "keys";
  #ephemeral: X25519KeyPair | undefined;
  #shi: PacketInit | undefined;
  #sdh: PacketInit | undefined;
  #th1: Uint8Array = new Uint8Array(0);
  #cdh: Uint8Array = new Uint8Array(0);
  #keys: SessionKeys | undefined;
  #confirmation: ServerConfirmation | undefined;
  /** The extensions of the client's offer that this server takes (SHI lists them). */
  readonly #answer: Extension[];

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
    this.#answer = host.api.extensions.answer(hello.extensions ?? []);
    control.setExtensions(this.#answer);
    this.#taken = extensionsIn(this.#answer);
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
      extensions: this.#answer,
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
      return this.#sendSealed({ type: ThingPacket.SCC, payload: this.#confirmation!.plaintext });
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
    const { config } = this.#host;
    this.#keys = deriveSessionKeys(shared, this.#th1, this.#suite!, config);
    const secret = this.#taken.resumption
      ? resumptionSecretOf(shared, this.#th1, config)
      : undefined;
    shared.fill(0);
    this.#ephemeral!.privateKey.fill(0);
    this.#confirmation = confirmToClient(
      this.#host,
      this.#control,
      this.#keys,
      this.#suite!,
      this.#th1,
      this.#taken,
      secret,
    );
    this.#step = "confirm";
    this.#sendSealed({ type: ThingPacket.SCC, payload: this.#confirmation.plaintext });
  }

  /** CCC arrived (opened): check it, open the session and send SHF (again, for a repeat). */
  onConfirm(plaintext: Uint8Array): void {
    if (this.#step === "done") return this.#control.sendPacket({ type: ThingPacket.SHF });
    if (this.#step !== "confirm") return;
    if (
      !confirmsServer(this.#host, this.#keys!, this.#th1, this.#confirmation!.confirm, plaintext)
    ) {
      return this.#fail(
        "THING_ERR_AUTH",
        "Cannot confirm the client's keys (CCC): the handshake was tampered with",
      );
    }
    this.#step = "done";
    openConfirmed(this.#host, this.#control, this.#budget);
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
