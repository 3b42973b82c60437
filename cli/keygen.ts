/**
 * `thing keygen [--out FILE]`: makes an Ed25519 identity for a Thing dialect server and prints its
 * public key and fingerprint (what clients pin with `--server-key`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { encodeIdentity, fingerprint, generateIdentity } from "../plugins/thing/mod.ts";
import { type Command, commonOptions } from "./command.ts";
import { UsageError } from "./flags.ts";
import { jsonLine } from "./output.ts";

/** The `keygen` command. */
export const keygen: Command = {
  summary: "make an Ed25519 server identity for the thing and hybrid dialects",
  help: `Usage: thing keygen [--out FILE] [--force] [--json]

  --out FILE          write the private key file there (mode 0600) and print the public key;
                      without it the key file goes to stdout, the public key to stderr
  --force             replace FILE if it exists (never done otherwise)
  --json              print {"file", "publicKey", "fingerprint"}

Serve with 'thing serve --dialect thing --key FILE'; clients pin the public key with
'thing connect HOST:PORT --dialect thing --server-key PUBLIC_KEY'.`,
  options: {
    ...commonOptions,
    out: { type: "string", short: "o" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(values, _positionals, io) {
    const out = values.out;
    if (out === "") throw new UsageError(`Invalid --out "": expected a file path`);
    const identity = generateIdentity();
    const text = encodeIdentity(identity);
    const publicKey = Buffer.from(identity.publicKey).toString("base64url");
    const print = fingerprint(identity.publicKey);
    if (typeof out === "string") {
      await writeKeyFile(out, text, values.force === true);
    } else if (values.json !== true) {
      io.out(text.trimEnd());
    }
    if (values.json === true) {
      io.out(jsonLine({
        file: typeof out === "string" ? out : null,
        publicKey,
        fingerprint: print,
        ...(typeof out === "string" ? {} : { keyFile: text }),
      }));
      return 0;
    }
    const say = typeof out === "string" ? io.out : io.err;
    if (typeof out === "string") say(`wrote ${out} (private key, mode 0600)`);
    say(`public key   ${publicKey}`);
    say(`fingerprint  ${print}`);
    return 0;
  },
};

/**
 * Writes a private key file readable by its owner only. Without `force` an existing file is an
 * error; with it the file is replaced atomically (a fresh 0600 file renamed over it).
 */
async function writeKeyFile(path: string, text: string, force: boolean): Promise<void> {
  if (!force) {
    try {
      await writeFile(path, text, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
      throw new Error(`Cannot write "${path}": it exists; pass --force to replace it`);
    }
    return;
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}
