import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { nativeAeadBackend } from "../../../../plugins/thing/crypto/aead.ts";
import { runScript } from "../../../_run_script.ts";

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
  const { code, stdout, stderr } = await runScript(args, "the fixture's exit");
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout) as Picked;
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
