// The npm package layout, derived from deno.json `exports` (the source of truth for sub-paths).

import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository root. */
export const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The CLI entry point and the command name it is installed as. */
export const cli = { source: "cli/main.ts", command: "thing" };

/** deno.json `exports` as `[subPath, sourceFile]` pairs, source files without the leading `./`. */
export function denoExports() {
  const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  const exports = typeof deno.exports === "string" ? { ".": deno.exports } : deno.exports ?? {};
  return Object.entries(exports).map(([subPath, file]) => [subPath, file.replace(/^\.\//, "")]);
}

/** The built file for a TypeScript source: `core/mod.ts` -> `dist/core/mod.js` (or `.d.ts`). */
export function built(source, ext = ".js") {
  return `./dist/${source.replace(/\.ts$/, ext)}`;
}

/** The package.json fields that publishing needs, generated from deno.json. */
export function packageFields() {
  const exports = Object.fromEntries(
    denoExports().map(([subPath, source]) => [
      subPath,
      { types: built(source, ".d.ts"), import: built(source) },
    ]),
  );
  const main = exports["."];
  return {
    ...(main ? { main: main.import, types: main.types } : {}),
    exports,
    bin: { [cli.command]: built(cli.source) },
    files: ["dist/"],
  };
}
