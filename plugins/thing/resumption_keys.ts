/**
 * The key schedule of resumption (docs/PROTOCOL.md §3.15): the resumption secret a handshake
 * leaves behind, the binder that proves a resuming client holds it, and the secret a resumed
 * handshake derives its session keys from, which mixes the resumption secret with a fresh X25519
 * output (PSK-DHE, as TLS 1.3), so a resumed session has forward secrecy.
 *
 * @module
 */
import { hkdfSha256, hmacSha256, type ImplementationOptions, sha256 } from "./crypto/mod.ts";

const encoder = new TextEncoder();
const RESUMPTION_INFO = encoder.encode("thing v1 resumption");
const BINDER_INFO = encoder.encode("thing v1 binder");
const EMPTY = new Uint8Array(0);

/**
 * The resumption secret of a handshake: HKDF-SHA256(ikm = shared, salt = TH, info = "thing v1
 * resumption", 32), an output of the same PRK as the session keys (§3.4) under its own label.
 */
export function resumptionSecretOf(
  shared: Uint8Array,
  transcriptHash: Uint8Array,
  options: ImplementationOptions = {},
): Uint8Array {
  return hkdfSha256(shared, transcriptHash, RESUMPTION_INFO, 32, options);
}

/**
 * The binder of a CRH: HMAC-SHA256(HKDF-SHA256(ikm = secret, salt = empty, info = "thing v1
 * binder", 32), SHA-256(T(CRH) with its binder zeroed)).
 */
export function binderOf(
  secret: Uint8Array,
  entryWithoutBinder: Uint8Array,
  options: ImplementationOptions = {},
): Uint8Array {
  const key = hkdfSha256(secret, EMPTY, BINDER_INFO, 32, options);
  const binder = hmacSha256(key, sha256(entryWithoutBinder), options);
  key.fill(0);
  return binder;
}

/**
 * The secret a resumed handshake's keys come from (§3.4's `shared`): HMAC-SHA256(key = the
 * resumption secret, X25519 output), i.e. HKDF-Extract(salt = secret, ikm = shared).
 */
export function resumedSharedOf(
  secret: Uint8Array,
  shared: Uint8Array,
  options: ImplementationOptions = {},
): Uint8Array {
  return hmacSha256(secret, shared, options);
}
