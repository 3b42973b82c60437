/**
 * Options of the Thing dialect, their defaults, and the valibot schema that checks them once, in
 * the factory.
 *
 * @module
 */
import * as v from "valibot";
import { PluginError } from "../../core/errors.ts";
import {
  CIPHER_SUITES,
  type CipherSuite,
  decodeIdentity,
  type Identity,
  type ImplementationChoice,
  preferredSuites,
} from "./crypto/mod.ts";
import { fromBase64Url } from "./crypto/base64.ts";
import type { TicketStore } from "./ticket_store.ts";

/** Options of `thing()`, `thingSession()` and `hybrid()`. All durations are in milliseconds. */
export interface ThingOptions {
  /** Server: the long-term Ed25519 identity (from `thing keygen`: a key file's text or decoded). */
  identity?: Identity | string;
  /** Client: the server's public key to pin (32 bytes, 43 base64url characters or a key file). */
  serverKey?: Uint8Array | string;
  /** Suites to offer (client) or accept (server), preferred first (default: fastest here first). */
  suites?: CipherSuite[];
  /** Session TTL: the server ends a session silent this long; clients send CHB every TTL/3. */
  ttl?: number;
  /** A handshake not finished in this time is abandoned (default 10,000). */
  handshakeTimeout?: number;
  /** First handshake retransmission timeout; doubles on each retry up to 8x (default 250). */
  retransmitTimeout?: number;
  /** Server: half-open handshakes at which CHI needs a cookie (0 = always; default 64). */
  cookieThreshold?: number;
  /** Server: how long a cookie and its secret live (default 30,000). */
  cookieLifetime?: number;
  /** Client: CGB attempts before ending the session anyway (default 4). */
  goodbyeAttempts?: number;
  /** Packets sealed under one key before moving to the next (default 2^22). */
  rekeyAfter?: number;
  /** Replay window size in packets (default 1024). */
  replayWindow?: number;
  /** Crypto implementation: "auto" (default), "native" or "noble". */
  implementation?: ImplementationChoice;
  /**
   * Client: ask for a stateless reset token, so a server that lost the session (it restarted, or
   * its node died) can end it at once instead of by the TTL (default true; §3.16). False sends the
   * handshake of a client without extensions (the worked vectors of §3.12).
   */
  statelessReset?: boolean;
  /**
   * Client: where resumption tickets are kept. With a store, each connect resumes with the
   * store's ticket for that server (one round trip) and each handshake stores the next (§3.15).
   */
  tickets?: TicketStore;
  /** Server: how long a resumption ticket is valid (default 3,600,000 = 1 hour). */
  ticketLifetime?: number;
  /** Server: stateless resets sent per second at most (default 100; 0 = none). */
  statelessResetRate?: number;
}

/** Options after validation, with defaults filled in. */
export interface ThingConfig {
  /** Server identity, if given. */
  identity: Identity | undefined;
  /** Pinned server key, if given. */
  serverKey: Uint8Array | undefined;
  /** Suites, preferred first. */
  suites: CipherSuite[];
  /** TTL. */
  ttl: number;
  /** Handshake timeout. */
  handshakeTimeout: number;
  /** First retransmission timeout. */
  retransmitTimeout: number;
  /** Cookie threshold. */
  cookieThreshold: number;
  /** Cookie lifetime. */
  cookieLifetime: number;
  /** CGB attempts. */
  goodbyeAttempts: number;
  /** Packets per key. */
  rekeyAfter: number;
  /** Replay window size. */
  replayWindow: number;
  /** Crypto implementation. */
  implementation: ImplementationChoice;
  /** Whether the client asks for a stateless reset token. */
  statelessReset: boolean;
  /** The client's ticket store, if any. */
  tickets: TicketStore | undefined;
  /** Ticket lifetime. */
  ticketLifetime: number;
  /** Stateless resets per second. */
  statelessResetRate: number;
}

/** The shortest TTL, in ms; a server's TTL below it is raised to it (heartbeats every 10 ms). */
export const MIN_TTL = 30;

const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/;
const duration = (min: number) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(2 ** 31));
const count = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));
const key32 = v.pipe(v.instance(Uint8Array), v.length(32, "must be 32 bytes"));

const OptionsSchema = v.strictObject({
  identity: v.optional(
    v.union([
      v.string(),
      v.object({ privateKey: v.optional(key32), publicKey: key32 }),
    ]),
  ),
  serverKey: v.optional(v.union([key32, v.string()])),
  suites: v.optional(
    v.pipe(v.array(v.picklist(CIPHER_SUITES)), v.minLength(1, "offer at least one suite")),
  ),
  ttl: v.optional(duration(MIN_TTL)),
  handshakeTimeout: v.optional(duration(10)),
  retransmitTimeout: v.optional(duration(1)),
  cookieThreshold: v.optional(
    v.union([count(0), v.literal(Number.POSITIVE_INFINITY)]),
  ),
  cookieLifetime: v.optional(duration(1000)),
  goodbyeAttempts: v.optional(v.pipe(count(1), v.maxValue(100))),
  rekeyAfter: v.optional(v.pipe(count(1), v.maxValue(2 ** 40))),
  replayWindow: v.optional(v.pipe(count(1), v.maxValue(1 << 20))),
  implementation: v.optional(v.picklist(["auto", "native", "noble"])),
  statelessReset: v.optional(v.boolean()),
  tickets: v.optional(
    v.custom<TicketStore>(
      (store) =>
        typeof (store as TicketStore | null)?.take === "function" &&
        typeof (store as TicketStore | null)?.put === "function",
      "must be a ticket store (take and put)",
    ),
  ),
  ticketLifetime: v.optional(v.pipe(duration(1000), v.maxValue(7 * 24 * 3_600_000))),
  statelessResetRate: v.optional(v.pipe(count(0), v.maxValue(1_000_000))),
});

/**
 * Validates options and fills in defaults.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` naming the bad option
 */
export function parseThingOptions(input: ThingOptions | undefined): ThingConfig {
  const result = v.safeParse(OptionsSchema, input ?? {});
  if (!result.success) {
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      `Cannot create the thing plugin: ${v.summarize(result.issues)}; fix the option`,
    );
  }
  const o = result.output;
  return {
    identity: readIdentity(o.identity),
    serverKey: readServerKey(o.serverKey),
    suites: [...new Set(o.suites ?? preferredSuites())],
    ttl: o.ttl ?? 30_000,
    handshakeTimeout: o.handshakeTimeout ?? 10_000,
    retransmitTimeout: o.retransmitTimeout ?? 250,
    cookieThreshold: o.cookieThreshold ?? 64,
    cookieLifetime: o.cookieLifetime ?? 30_000,
    goodbyeAttempts: o.goodbyeAttempts ?? 4,
    rekeyAfter: o.rekeyAfter ?? 2 ** 22,
    replayWindow: o.replayWindow ?? 1024,
    implementation: o.implementation ?? "auto",
    statelessReset: o.statelessReset ?? true,
    tickets: o.tickets,
    ticketLifetime: o.ticketLifetime ?? 3_600_000,
    statelessResetRate: o.statelessResetRate ?? 100,
  };
}

/**
 * Reads a server public key given as 32 bytes, 43 base64url characters, or a key file's text.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` when it is none of those
 */
export function readServerKey(key: Uint8Array | string | undefined): Uint8Array | undefined {
  if (key === undefined || key instanceof Uint8Array) return key;
  const text = key.trim();
  if (KEY_TEXT.test(text)) return fromBase64Url(text);
  return readIdentity(text)?.publicKey;
}

function readIdentity(identity: Identity | string | undefined): Identity | undefined {
  if (typeof identity !== "string") return identity;
  try {
    return decodeIdentity(identity);
  } catch (cause) {
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      `Cannot read the thing key: ${(cause as Error).message}`,
      { cause },
    );
  }
}
