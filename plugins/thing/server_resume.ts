/**
 * The server side of a resumed handshake (docs/PROTOCOL.md §3.15): the ticket of the CRH opened
 * and its binder checked (by `ServerHandshakes.acceptResume`), the server answers SRH (its fresh
 * X25519 key) and SCC at once, and opens the session on CCC, then sends SHF. It repeats SRH and
 * SCC (sealed again) for a repeated CRH, within the three-times budget of an address not yet
 * validated.
 *
 * @module
 */
import type { Extension } from "../../core/extensions.ts";
import { HEADER_SIZE, type Packet, type PacketInit } from "../../core/packet.ts";
import type { Session, SessionControl } from "../../core/session.ts";
import {
  AEAD_TAG_LENGTH,
  type CipherSuite,
  constantTimeEqual,
  deriveSessionKeys,
  type SessionKeys,
  sha256,
  SUITE_IDS,
  suiteFromId,
  x25519KeyPair,
} from "./crypto/mod.ts";
import { AmplificationBudget } from "./cookie.ts";
import type { ThingDialectErrorCode } from "./errors.ts";
import {
  agreeKey,
  confirmationFailure,
  failHandshake,
  type TakenExtensions,
  type ThingHost,
  Timers,
} from "./host.ts";
import { concat, handshakeEntry, ThingPacket, transcriptEntry } from "./packets.ts";
import { resumedSharedOf, resumptionSecretOf } from "./resumption_keys.ts";
import { encodeResumeAnswer, type ResumeHello } from "./resumption_packets.ts";
import { extensionsIn } from "./thing_extensions.ts";
import {
  confirmsServer,
  confirmToClient,
  openConfirmed,
  type ServerConfirmation,
} from "./server_confirm.ts";

type Step = "confirm" | "done";

/** One resumed server handshake, for one session. */
export class ResumedServerHandshake {
  readonly #host: ThingHost;
  readonly #control: SessionControl;
  readonly #budget = new AmplificationBudget();
  readonly #crh: Uint8Array;
  readonly #hello: ResumeHello;
  readonly #secret: Uint8Array;
  readonly #suite: CipherSuite | undefined;
  readonly #taken: TakenExtensions;
  /** The extensions of the client's offer that this server takes (SRH lists them). */
  readonly #answer: Extension[];
  #step: Step = "confirm";
  #srh: PacketInit | undefined;
  #th: Uint8Array = new Uint8Array(0);
  #keys: SessionKeys | undefined;
  #confirmation: ServerConfirmation | undefined;

  /**
   * Created by `ServerHandshakes.acceptResume` once the ticket opened and its binder verified.
   *
   * @param secret the ticket's resumption secret
   * @param validated whether the CRH carried a valid cookie
   */
  constructor(
    host: ThingHost,
    control: SessionControl,
    crh: Packet,
    hello: ResumeHello,
    secret: Uint8Array,
    validated: boolean,
  ) {
    this.#host = host;
    this.#control = control;
    this.#crh = transcriptEntry(crh);
    this.#hello = hello;
    this.#secret = secret;
    this.#budget.receive(HEADER_SIZE + crh.payload.length);
    this.#budget.validated = validated;
    const offered = hello.suites.map(suiteFromId);
    this.#suite = offered.find((suite) => suite && host.config.suites.includes(suite));
    this.#answer = host.api.extensions.answer(hello.extensions);
    control.setExtensions(this.#answer);
    this.#taken = extensionsIn(this.#answer);
  }

  /** The session this handshake establishes. */
  get session(): Session {
    return this.#control.session;
  }

  /** Chooses the suite, derives the keys from the ticket's secret and a fresh X25519, sends SRH + SCC. */
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
          `Cannot complete the resumed thing handshake within ${config.handshakeTimeout} ms: the client went quiet`,
        ),
    );
    const ephemeral = x25519KeyPair(api.random.fill(new Uint8Array(32)), config);
    const shared = agreeKey(this.#host, this.#control, ephemeral.privateKey, this.#hello.ephemeral);
    ephemeral.privateKey.fill(0);
    if (!shared) return;
    const secret = resumedSharedOf(this.#secret, shared, config);
    shared.fill(0);
    this.#secret.fill(0);
    const payload = encodeResumeAnswer({
      refused: false,
      suite: SUITE_IDS[this.#suite],
      ttl: config.ttl,
      ephemeral: ephemeral.publicKey,
      extensions: this.#answer,
    });
    this.#srh = { type: ThingPacket.SRH, payload };
    const clientId = this.#control.clientId;
    this.#th = sha256(concat(this.#crh, handshakeEntry(clientId, ThingPacket.SRH, payload)));
    this.#keys = deriveSessionKeys(secret, this.#th, this.#suite, config);
    const next = this.#taken.resumption ? resumptionSecretOf(secret, this.#th, config) : undefined;
    secret.fill(0);
    this.#confirmation = confirmToClient(
      this.#host,
      this.#control,
      this.#keys,
      this.#suite,
      this.#th,
      this.#taken,
      next,
    );
    this.#sendFlight();
  }

  /** The client repeated a CRH: repeat SRH + SCC if it is the same CRH. */
  onHelloAgain(packet: Packet): void {
    this.#budget.receive(HEADER_SIZE + packet.payload.length);
    if (this.#step === "confirm" && constantTimeEqual(transcriptEntry(packet), this.#crh)) {
      this.#sendFlight();
    }
  }

  /** A resumed handshake has no CDH: ignored. */
  onKeys(): void {}

  /** CCC arrived (opened): check it, open the session and send SHF (again, for a repeat). */
  onConfirm(plaintext: Uint8Array): void {
    if (this.#step === "done") return this.#control.sendPacket({ type: ThingPacket.SHF });
    if (
      !confirmsServer(this.#host, this.#keys!, this.#th, this.#confirmation!.confirm, plaintext)
    ) {
      return this.#fail(
        "THING_ERR_AUTH",
        "Cannot confirm the client's keys (CCC) of a resumed handshake: it was tampered with",
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

  #sendFlight(): void {
    const { api } = this.#host;
    const srh = this.#srh!;
    if (!this.#budget.trySend(HEADER_SIZE + srh.payload!.length)) return;
    api.sendTo(this.#control.peer, this.#control.clientId, srh);
    const scc = { type: ThingPacket.SCC, payload: this.#confirmation!.plaintext };
    if (this.#budget.trySend(HEADER_SIZE + scc.payload.length + AEAD_TAG_LENGTH)) {
      this.#control.sendPacket(scc);
    }
  }

  #fail(code: ThingDialectErrorCode, message: string): void {
    this.#step = "done";
    failHandshake(this.#host, this.#control, code, message);
  }
}
