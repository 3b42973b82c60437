import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { promisify } from "node:util";
import { VERSION } from "../../cli/version.ts";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

describe("thing as a single binary (bun build --compile, as `deno task compile` does)", () => {
  it("builds, and the binary runs commands", async () => {
    const dir = mkdtempSync(join(tmpdir(), "thing-compile-"));
    try {
      const binary = join(dir, "thing");
      const bun = "bun"; // from PATH, as `bash .ci/tools` sets it
      await exec(bun, ["build", "--compile", "cli/main.ts", "--outfile", binary], {
        cwd: root,
        timeout: 4_000,
      });
      const env = { ...process.env, NO_COLOR: "1" };
      const version = await exec(binary, ["version"], { cwd: dir, env, timeout: 2_000 });
      assert.match(version.stdout, new RegExp(`^thing ${VERSION.replaceAll(".", "\\.")} \\(bun `));
      const inspected = await exec(binary, ["inspect", "00"], { cwd: dir, env, timeout: 2_000 })
        .catch((error: { code: number; stdout: string }) => error);
      assert.equal((inspected as { code?: number }).code, 1);
      assert.match(inspected.stdout, /"error":"THING_ERR_TRUNCATED"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
