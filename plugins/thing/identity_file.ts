/**
 * Key file helpers for servers and the CLI: make an identity, and read or write a key file
 * (format in `crypto/identity.ts`). Private key files are written readable by the owner only.
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { type Random, systemRandom } from "../../core/clock.ts";
import { decodeIdentity, ed25519KeyPair, encodeIdentity, type Identity } from "./crypto/mod.ts";

/** A fresh Ed25519 identity (what `thing keygen` writes). */
export function generateIdentity(random: Random = systemRandom): Required<Identity> {
  return ed25519KeyPair(random.fill(new Uint8Array(32)));
}

/**
 * Reads a key file.
 *
 * @throws {SyntaxError} when the file is not a valid key file; file system errors as thrown
 */
export async function readIdentityFile(path: string): Promise<Identity> {
  return decodeIdentity(await readFile(path, "utf8"));
}

/** Writes a key file; one holding a private key gets mode 0600 and is never overwritten. */
export async function writeIdentityFile(path: string, identity: Identity): Promise<void> {
  const secret = identity.privateKey !== undefined;
  await writeFile(path, encodeIdentity(identity), {
    mode: secret ? 0o600 : 0o644,
    flag: secret ? "wx" : "w",
  });
}
