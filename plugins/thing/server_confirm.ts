/**
 * The last steps every server handshake shares, full (docs/PROTOCOL.md §3.4) or resumed (§3.15):
 * install the session keys and build SCC (the server's confirmation and the client's tokens), check
 * the client's CCC against it, and open the session.
 *
 * @module
 */
import type { SessionControl } from "../../core/session.ts";
import type { AmplificationBudget } from "./cookie.ts";
import { type CipherSuite, constantTimeEqual, hmacSha256, type SessionKeys } from "./crypto/mod.ts";
import { type TakenExtensions, type ThingHost, Timers } from "./host.ts";
import { concat, ThingPacket } from "./packets.ts";
import { encodeConfirmation } from "./resumption_packets.ts";

/** SCC's confirmation value (CCC covers it) and the plaintext SCC carries. */
export interface ServerConfirmation {
  /** HMAC(server confirm key, transcript hash). */
  confirm: Uint8Array;
  /** The confirmation, then the reset token and ticket the client took. */
  plaintext: Uint8Array;
}

/**
 * Installs `keys` for the session and builds SCC over the transcript hash `th`; `secret`, the next
 * resumption secret when the client takes tickets, is zeroed once the ticket holds it.
 */
export function confirmToClient(
  host: ThingHost,
  control: SessionControl,
  keys: SessionKeys,
  suite: CipherSuite,
  th: Uint8Array,
  taken: TakenExtensions,
  secret: Uint8Array | undefined,
): ServerConfirmation {
  host.install(control.session, keys, suite);
  const confirm = hmacSha256(keys.serverConfirm, th, host.config);
  const tokens = host.issueTokens(control.clientId, taken, secret);
  secret?.fill(0);
  return { confirm, plaintext: encodeConfirmation(confirm, tokens) };
}

/** Whether CCC's plaintext is the client's confirmation of `th` and SCC's `confirm`. */
export function confirmsServer(
  host: ThingHost,
  keys: SessionKeys,
  th: Uint8Array,
  confirm: Uint8Array,
  plaintext: Uint8Array,
): boolean {
  const expected = hmacSha256(keys.clientConfirm, concat(th, confirm), host.config);
  return constantTimeEqual(plaintext, expected);
}

/** The handshake is done: the address counts as validated, SHF goes out and the session opens. */
export function openConfirmed(
  host: ThingHost,
  control: SessionControl,
  budget: AmplificationBudget,
): void {
  budget.validated = true;
  control.clearTimer(Timers.handshake);
  control.sendPacket({ type: ThingPacket.SHF });
  host.established(control, host.config.ttl);
}
