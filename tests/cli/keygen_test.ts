import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeIdentity, fingerprint } from "../../plugins/thing/mod.ts";
import { here, run, serveOn, stop, there } from "./_spawn.ts";

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

function scratch(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "thing-keygen-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

describe(`thing keygen (${here})`, () => {
  it("writes a 0600 key file and prints its public key and fingerprint", async () => {
    using tmp = scratch();
    const file = join(tmp.dir, "server.key");
    const { code, stdout, stderr } = await run(here, ["keygen", "--out", file]);
    assert.equal(code, 0, stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const identity = decodeIdentity(readFileSync(file, "utf8"));
    assert.equal(identity.privateKey?.length, 32);
    assert.match(stdout, new RegExp(`public key\\s+${base64url(identity.publicKey)}`));
    assert.ok(stdout.includes(fingerprint(identity.publicKey)), stdout);
  });

  it("refuses to overwrite a file without --force, and replaces it (still 0600) with it", async () => {
    using tmp = scratch();
    const file = join(tmp.dir, "server.key");
    writeFileSync(file, "precious\n", { mode: 0o644 });
    const refused = await run(here, ["keygen", "--out", file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /exists; pass --force/);
    assert.equal(readFileSync(file, "utf8"), "precious\n");
    const forced = await run(here, ["keygen", "--out", file, "--force", "--json"]);
    assert.equal(forced.code, 0, forced.stderr);
    const printed = JSON.parse(forced.stdout);
    const identity = decodeIdentity(readFileSync(file, "utf8"));
    assert.equal(printed.publicKey, base64url(identity.publicKey));
    assert.equal(printed.fingerprint, fingerprint(identity.publicKey));
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it("without --out prints the key file on stdout and the public key on stderr", async () => {
    const { code, stdout, stderr } = await run(here, ["keygen"]);
    assert.equal(code, 0);
    const identity = decodeIdentity(stdout);
    assert.ok(identity.privateKey);
    assert.ok(stderr.includes(base64url(identity.publicKey)));
  });

  it(`serve --key (${here}) is reached by connect --server-key (${there}); a wrong pin is refused`, async () => {
    using tmp = scratch();
    const file = join(tmp.dir, "server.key");
    assert.equal((await run(here, ["keygen", "--out", file])).code, 0);
    const publicKey = base64url(decodeIdentity(readFileSync(file, "utf8")).publicKey);
    const { server, port } = await serveOn(here, ["--dialect", "hybrid", "--key", file]);
    try {
      const address = `127.0.0.1:${port}`;
      const ok = await run(there, [
        "connect",
        address,
        "--dialect",
        "hybrid",
        "--server-key",
        publicKey,
      ], "sealed hello\n");
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, "sealed hello\n");
      assert.match(ok.stderr, /server key SHA256:\S+ matches --server-key/);
      const wrong = await run(there, [
        "connect",
        address,
        "--dialect",
        "hybrid",
        "--server-key",
        "A".repeat(43),
      ], "x\n");
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^thing connect: Cannot connect to .*Cannot trust server key/m);
    } finally {
      assert.equal(await stop(server), 0);
    }
  });
});
