import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { fromSources, quickStart } from "./_readme.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runtime = "Bun" in globalThis ? "bun" : "deno";

/** A port that is free now (the quick start's 7777 may be taken by a parallel test). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    }).on("error", reject);
  });
}

/**
 * A user's project outside the checkout. On Deno it runs `deno link <checkout>` (the Deno way to
 * use a local package, as the README says) and imports `@thing/net` as written; on Bun the imports
 * point at the checkout's sources.
 */
function userProject(code: string): { dir: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "thing-readme-"));
  const file = join(dir, "quick_start.ts");
  if (runtime === "deno") {
    const linked = spawnSync("deno", ["link", root], {
      cwd: dir,
      encoding: "utf8",
      timeout: 30_000,
    });
    if (linked.status !== 0) throw new Error(`deno link failed: ${linked.stderr}`);
    writeFileSync(file, code);
    return { dir, args: ["run", "-A", file] };
  }
  writeFileSync(file, fromSources(code));
  return { dir, args: [file] };
}

describe("README quick start", () => {
  it("runs as written in a user's project, prints the echo and exits 0 with a clean stderr", async () => {
    const port = await freePort();
    const { dir, args } = userProject(quickStart().replaceAll("port: 7777", `port: ${port}`));
    try {
      const result = spawnSync(runtime, args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
      // Deno reports fetching npm packages for the linked checkout on stderr; nothing else.
      const stderr = result.stderr.split("\n").filter((line) => !/^\S*Download\b/.test(line));
      assert.deepEqual(stderr, [""]);
      assert.equal(result.stdout, "hello, thing\n");
      assert.equal(result.status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
