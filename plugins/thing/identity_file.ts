/**
 * Key file helpers for servers and the CLI: make an identity, and read or write a key file
 * (format in `crypto/identity.ts`). Private key files are written readable by the owner only.
 * `node:fs/promises` is looked up when a file is read or written, so browser bundles of the
 * dialect (which never touch files) do not need it.
 *
 * @module
 */
import type * as FsPromises from "node:fs/promises";
import { type Random, systemRandom } from "../../core/clock.ts";
import { builtinModule } from "./builtin.ts";
import { decodeIdentity, ed25519KeyPair, encodeIdentity, type Identity } from "./crypto/mod.ts";

/** A fresh Ed25519 identity (what `thing keygen` writes). */
export function generateIdentity(random: Random = systemRandom): Required<Identity> {
  return ed25519KeyPair(random.fill(new Uint8Array(32)));
}

/**
 * Reads a key file.
 *
 * @throws {SyntaxError} when the file is not a valid key file; file system errors as thrown
 * @throws {TypeError} where there is no `node:fs/promises` (browsers)
 */
export async function readIdentityFile(path: string): Promise<Identity> {
  return decodeIdentity(await fs().readFile(path, "utf8"));
}

/**
 * Writes a key file; one holding a private key gets mode 0600 and is never overwritten.
 *
 * @throws {TypeError} where there is no `node:fs/promises` (browsers)
 */
export async function writeIdentityFile(path: string, identity: Identity): Promise<void> {
  const secret = identity.privateKey !== undefined;
  await fs().writeFile(path, encodeIdentity(identity), {
    mode: secret ? 0o600 : 0o644,
    flag: secret ? "wx" : "w",
  });
}

function fs(): typeof FsPromises {
  const module = builtinModule<typeof FsPromises>("node:fs/promises");
  if (!module) {
    throw new TypeError(
      "Cannot read or write key files on this runtime: it has no node:fs/promises; use Deno, Bun or Node",
    );
  }
  return module;
}
