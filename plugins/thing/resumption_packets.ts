/**
 * Payload layouts of resumption and stateless reset (docs/PROTOCOL.md §3.15, §3.16): the resumed
 * hellos CRH and SRH, and the session tokens the server appends to SCC. Decoders are total: malformed input gives `undefined`.
 *
 * @module
 */
import { decodeExtensions, encodeExtensions, type Extension } from "../../core/extensions.ts";
import { COOKIE_SIZE, RANDOM_SIZE, THING_VERSION } from "./packets.ts";

/** Size of a stateless reset token. */
export const RESET_TOKEN_SIZE = 16;
/** Size of a resumption binder (HMAC-SHA256). */
export const BINDER_SIZE = 32;
/** Size of an X25519 public key. */
const KEY_SIZE = 32;
/** Size of the key confirmation at the start of SCC's plaintext. */
export const CONFIRM_SIZE = 32;

/** SRH flag: the server refused the ticket (a reason byte follows); the client falls back. */
export const SRH_FLAG_REFUSED = 0x02;

/** Why a server refused a ticket: the SRH reason byte. */
export const RefusalReason = {
  /** The ticket does not open: forged, tampered with, another server's, or its key rotated out. */
  invalid: 1,
  /** The ticket's lifetime is over. */
  expired: 2,
  /** The ticket was already used on this server. */
  replayed: 3,
  /** The binder does not verify: the sender has the ticket but not its secret. */
  binder: 4,
} as const;

/** A reason byte of a refusing SRH. */
export type RefusalCode = (typeof RefusalReason)[keyof typeof RefusalReason];

/** CRH: a client resuming with a ticket. */
export interface ResumeHello {
  /** Cipher suite ids, most preferred first. */
  suites: number[];
  /** 32 fresh random bytes. */
  random: Uint8Array;
  /** The client's fresh X25519 public key. */
  ephemeral: Uint8Array;
  /** The cookie echoed from a retry SHI, if any. */
  cookie: Uint8Array | undefined;
  /** The ticket, as the server issued it. */
  ticket: Uint8Array;
  /** HMAC proving the client holds the ticket's secret (zero while it is computed). */
  binder: Uint8Array;
  /** Extensions offered (every plugin's: stateless reset, resumption, FRAMED, ...). */
  extensions: Extension[];
}

/** SRH: the server's answer to CRH, an acceptance or a refusal. */
export type ResumeAnswer =
  | { refused: false; suite: number; ttl: number; ephemeral: Uint8Array; extensions: Extension[] }
  | { refused: true; reason: number };

/** Encodes a CRH payload (binder included: zero it to compute the binder). */
export function encodeResumeHello(hello: ResumeHello): Uint8Array {
  const cookie = hello.cookie ?? new Uint8Array(0);
  const extensions = encodeExtensions(hello.extensions);
  const n = hello.suites.length;
  const out = new Uint8Array(
    3 + n + RANDOM_SIZE + KEY_SIZE + 1 + cookie.length + 2 + hello.ticket.length + BINDER_SIZE +
      extensions.length,
  );
  out[0] = THING_VERSION;
  out[2] = n;
  out.set(hello.suites, 3);
  let at = 3 + n;
  out.set(hello.random, at);
  out.set(hello.ephemeral, at += RANDOM_SIZE);
  out[at += KEY_SIZE] = cookie.length;
  out.set(cookie, at += 1);
  new DataView(out.buffer).setUint16(at += cookie.length, hello.ticket.length);
  out.set(hello.ticket, at += 2);
  out.set(hello.binder, at += hello.ticket.length);
  out.set(extensions, at + BINDER_SIZE);
  return out;
}

/** Where the binder sits in a CRH payload made by `encodeResumeHello`. */
export function binderOffset(payload: Uint8Array): number {
  const n = payload[2]!;
  const cookieAt = 3 + n + RANDOM_SIZE + KEY_SIZE;
  const ticketAt = cookieAt + 1 + payload[cookieAt]! + 2;
  return ticketAt + ((payload[ticketAt - 2]! << 8) | payload[ticketAt - 1]!);
}

/**
 * Decodes a CRH payload; `undefined` when of another version, with no suite, a cookie that is not
 * 0 or 20 bytes, an empty or overlong ticket, or a broken extension list.
 */
export function decodeResumeHello(payload: Uint8Array): ResumeHello | undefined {
  if (payload.length < 3 || payload[0] !== THING_VERSION || payload[2] === 0) return undefined;
  const n = payload[2]!;
  const cookieAt = 3 + n + RANDOM_SIZE + KEY_SIZE;
  if (payload.length < cookieAt + 1) return undefined;
  const cookieLength = payload[cookieAt]!;
  if (cookieLength !== 0 && cookieLength !== COOKIE_SIZE) return undefined;
  const ticketAt = cookieAt + 1 + cookieLength + 2;
  if (payload.length < ticketAt) return undefined;
  const ticketLength = (payload[ticketAt - 2]! << 8) | payload[ticketAt - 1]!;
  const binderAt = ticketAt + ticketLength;
  if (ticketLength === 0 || payload.length < binderAt + BINDER_SIZE) return undefined;
  const extensions = decodeExtensions(payload.subarray(binderAt + BINDER_SIZE));
  if (!extensions) return undefined;
  return {
    suites: [...payload.subarray(3, 3 + n)],
    random: payload.slice(3 + n, 3 + n + RANDOM_SIZE),
    ephemeral: payload.slice(3 + n + RANDOM_SIZE, cookieAt),
    cookie: cookieLength === 0
      ? undefined
      : payload.slice(cookieAt + 1, cookieAt + 1 + cookieLength),
    ticket: payload.slice(ticketAt, binderAt),
    binder: payload.slice(binderAt, binderAt + BINDER_SIZE),
    extensions,
  };
}

/** Encodes an SRH payload. */
export function encodeResumeAnswer(answer: ResumeAnswer): Uint8Array {
  if (answer.refused) return Uint8Array.of(THING_VERSION, SRH_FLAG_REFUSED, answer.reason);
  const extensions = encodeExtensions(answer.extensions);
  const out = new Uint8Array(7 + KEY_SIZE + extensions.length);
  out[0] = THING_VERSION;
  out[2] = answer.suite;
  new DataView(out.buffer).setUint32(3, answer.ttl);
  out.set(answer.ephemeral, 7);
  out.set(extensions, 7 + KEY_SIZE);
  return out;
}

/** Decodes an SRH payload; `undefined` when malformed. */
export function decodeResumeAnswer(payload: Uint8Array): ResumeAnswer | undefined {
  if (payload.length < 3 || payload[0] !== THING_VERSION) return undefined;
  if (payload[1] === SRH_FLAG_REFUSED) {
    return payload.length === 3 ? { refused: true, reason: payload[2]! } : undefined;
  }
  if (payload[1] !== 0 || payload.length < 7 + KEY_SIZE) return undefined;
  const extensions = decodeExtensions(payload.subarray(7 + KEY_SIZE));
  if (!extensions) return undefined;
  return {
    refused: false,
    suite: payload[2]!,
    ttl: new DataView(payload.buffer, payload.byteOffset).getUint32(3),
    ephemeral: payload.slice(7, 7 + KEY_SIZE),
    extensions,
  };
}

/** What the server appends to SCC's confirmation for the extensions it took. */
export interface SessionTokens {
  /** The stateless reset token (extension 2 taken). */
  resetToken?: Uint8Array;
  /** The ticket and its lifetime in whole seconds (extension 3 taken). */
  ticket?: { lifetime: number; bytes: Uint8Array };
}

/** The SCC plaintext: the confirmation, then the token, then lifetime (u32 s) and the ticket. */
export function encodeConfirmation(confirm: Uint8Array, tokens: SessionTokens): Uint8Array {
  const reset = tokens.resetToken ?? new Uint8Array(0);
  const ticket = tokens.ticket;
  const out = new Uint8Array(
    CONFIRM_SIZE + reset.length + (ticket ? 4 + ticket.bytes.length : 0),
  );
  out.set(confirm, 0);
  out.set(reset, CONFIRM_SIZE);
  if (ticket) {
    new DataView(out.buffer).setUint32(CONFIRM_SIZE + reset.length, ticket.lifetime);
    out.set(ticket.bytes, CONFIRM_SIZE + reset.length + 4);
  }
  return out;
}

/**
 * Splits an SCC plaintext into the confirmation and the tokens of the extensions taken;
 * `undefined` when its length does not fit them.
 */
export function decodeConfirmation(
  plaintext: Uint8Array,
  taken: { reset: boolean; resumption: boolean },
): { confirm: Uint8Array; tokens: SessionTokens } | undefined {
  const resetEnd = CONFIRM_SIZE + (taken.reset ? RESET_TOKEN_SIZE : 0);
  const exact = !taken.resumption && plaintext.length === resetEnd;
  if (!exact && !(taken.resumption && plaintext.length > resetEnd + 4)) return undefined;
  const tokens: SessionTokens = {};
  if (taken.reset) tokens.resetToken = plaintext.slice(CONFIRM_SIZE, resetEnd);
  if (taken.resumption) {
    tokens.ticket = {
      lifetime: new DataView(plaintext.buffer, plaintext.byteOffset).getUint32(resetEnd),
      bytes: plaintext.slice(resetEnd + 4),
    };
  }
  return { confirm: plaintext.subarray(0, CONFIRM_SIZE), tokens };
}
