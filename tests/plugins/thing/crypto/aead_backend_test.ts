import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { nativeAeadBackend } from "../../../../plugins/thing/crypto/aead.ts";
import { within } from "../../../_within.ts";

const isDeno = "Deno" in globalThis;
const fixture = fileURLToPath(new URL("./_aead_backend_fixture.ts", import.meta.url));

interface Picked {
  aes: string | null;
  chacha: string | null;
  auto: string;
  noble: string;
}

async function runFixture(permissions: string[]): Promise<Picked> {
  const args = isDeno ? ["run", "--no-prompt", ...permissions, fixture] : [fixture];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  try {
    assert.equal(await within(20_000, exited, "the fixture's exit"), 0, err);
    return JSON.parse(out) as Picked;
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

describe("the native AEAD backend a process picks", () => {
  it("is the one this test process picked, with the same bytes as noble", async () => {
    const picked = await runFixture(["--allow-read", "--allow-env", "--allow-ffi"]);
    assert.equal(picked.aes, nativeAeadBackend("aes-256-gcm") ?? null);
    assert.equal(picked.chacha, nativeAeadBackend("chacha20-poly1305") ?? null);
    assert.equal(picked.auto, picked.noble);
  });

  it("on Deno without --allow-ffi is node:crypto, without a prompt, with the same bytes", {
    skip: isDeno ? false : "FFI permissions are Deno's: Bun has no permission to withhold",
  }, async () => {
    const picked = await runFixture(["--allow-read", "--allow-env"]);
    assert.deepEqual([picked.aes, picked.chacha], ["node:crypto", "node:crypto"]);
    assert.equal(picked.auto, picked.noble);
  });
});
