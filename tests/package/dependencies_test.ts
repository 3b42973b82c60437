import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { specifiersOf } from "../architecture/_imports.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const dependencies: Record<string, string> = packageJson.dependencies;
const imports: Record<string, string> = denoJson.imports;

/** Every .ts file of the library (what users import), relative to the root. */
function librarySources(dir = root, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) {
      const skip = ["node_modules", "tests", "bench", "dist", "examples", "interop"];
      return entry.name.startsWith(".") || skip.includes(entry.name)
        ? []
        : librarySources(join(dir, entry.name), `${path}/`);
    }
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The package a bare specifier names: `hono/ws` → `hono`, `@noble/hashes/sha2.js` → `@noble/hashes`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

describe("dependencies", () => {
  it("deno.json imports declare each package.json dependency with the same range, and nothing else", () => {
    const expected: Record<string, string> = {};
    for (const [name, range] of Object.entries(dependencies)) {
      expected[name] = `npm:${name}@${range}`;
      expected[`${name}/`] = `npm:/${name}@${range}/`;
    }
    assert.deepEqual(imports, expected);
  });

  it("every bare import of the library names a declared dependency", () => {
    const undeclared = new Set<string>();
    for (const file of librarySources()) {
      for (const specifier of specifiersOf(file)) {
        if (/^(\.|node:|npm:|jsr:|https?:|@thing\/net)/.test(specifier)) continue;
        if (!(packageOf(specifier) in dependencies)) undeclared.add(`${specifier} (${file})`);
      }
    }
    assert.deepEqual([...undeclared], []);
  });

  it("hono is loaded only by the admin plugin and the WebSocket transport, never by a UDP/TCP app", () => {
    const importers = librarySources().filter((file) =>
      specifiersOf(file).some((specifier) => packageOf(specifier) === "hono")
    );
    const elsewhere = importers.filter((file) =>
      !file.startsWith("plugins/admin/") && !file.startsWith("transports/websocket/")
    );
    assert.deepEqual(elsewhere, []);
  });
});
