import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Endpoint, PluginError } from "../../../core/mod.ts";
import { SeededRandom } from "../../../core/testing/mod.ts";
import {
  encodeIdentity,
  generateIdentity,
  parseThingOptions,
  readIdentityFile,
  readServerKey,
  thing,
  type ThingOptions,
  writeIdentityFile,
} from "../../../plugins/thing/mod.ts";
import { preferredSuites } from "../../../plugins/thing/crypto/mod.ts";
import { IDENTITY } from "./_fixtures.ts";

const isOptionsError = (error: unknown) =>
  error instanceof PluginError && error.code === "THING_ERR_PLUGIN_OPTIONS";

describe("thing() options", () => {
  it("rejects invalid options in the factory with THING_ERR_PLUGIN_OPTIONS", () => {
    const bad: unknown[] = [
      { ttl: -1 },
      { ttl: 1.5 },
      { suites: [] },
      { suites: ["rot13"] },
      { cookieThreshold: -1 },
      { serverKey: new Uint8Array(31) },
      { serverKey: "not a key" },
      { identity: "thing-private-key: nope" },
      { implementation: "fast" },
      { unknownOption: 1 },
    ];
    for (const options of bad) {
      assert.throws(() => thing(options as ThingOptions), isOptionsError, JSON.stringify(options));
    }
  });

  it("accepts a key file's text as the identity, and base64url or a key file as the pin", () => {
    const text = encodeIdentity(IDENTITY);
    assert.doesNotThrow(() => thing({ identity: text, cookieThreshold: Infinity }));
    const base64 = text.split("\n")[1]!.split(": ")[1]!;
    assert.deepEqual(readServerKey(base64), IDENTITY.publicKey);
    assert.deepEqual(
      readServerKey(encodeIdentity({ publicKey: IDENTITY.publicKey })),
      IDENTITY.publicKey,
    );
  });

  it("offers preferredSuites() by default, and the given suites once each in order", () => {
    assert.deepEqual(parseThingOptions({}).suites, preferredSuites());
    assert.deepEqual(
      parseThingOptions({ suites: ["aes-256-gcm", "chacha20-poly1305", "aes-256-gcm"] }).suites,
      ["aes-256-gcm", "chacha20-poly1305"],
    );
  });

  it("refuses to run a server without a private identity key", () => {
    assert.throws(
      () => new Endpoint({ role: "server", plugins: thing({ serverKey: IDENTITY.publicKey }) }),
      isOptionsError,
    );
  });
});

describe("identity files", () => {
  it("writes a private key file readable by its owner only, and reads it back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "thing-key-"));
    try {
      const identity = generateIdentity(new SeededRandom(9));
      const path = join(dir, "server.key");
      await writeIdentityFile(path, identity);
      assert.deepEqual(await readIdentityFile(path), identity);
      if (process.platform !== "win32") assert.equal((await stat(path)).mode & 0o777, 0o600);
      await assert.rejects(writeIdentityFile(path, identity), { code: "EEXIST" });
      const pub = join(dir, "server.pub");
      await writeIdentityFile(pub, { publicKey: identity.publicKey });
      assert.match(await readFile(pub, "utf8"), /^thing-public-key: [A-Za-z0-9_-]{43}\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
