/**
 * Reads the import graph of the library's own TypeScript files: every relative specifier in a
 * static `import`/`export … from` or a dynamic `import("…")`, resolved to a repo-relative path.
 * What tests/architecture/imports_test.ts checks the layer rule of docs/ARCHITECTURE.md on.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

// A specifier in statement position only (a string such as `from "${x}"` in a message is none).
const SPECIFIER =
  /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;

/** One import: the file that has it and the repo-relative file it names. */
export interface ImportEdge {
  /** The importing file, e.g. `plugins/thing/plugin.ts`. */
  from: string;
  /** The imported file, e.g. `core/plugin.ts`. */
  to: string;
}

/** Every `.ts` file under `folder` (repo-relative), recursively. */
export function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) out.push(path);
    }
  };
  walk(folder);
  return out.sort();
}

/** Every import specifier of one repo-relative file, relative or bare, in order. */
export function specifiersOf(file: string): string[] {
  // Comments may quote imports as examples: drop them before matching.
  const text = readFileSync(join(ROOT, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  return [...text.matchAll(SPECIFIER)].map((match) => (match[1] ?? match[2] ?? match[3])!);
}

/** The relative imports of one repo-relative file, resolved to repo-relative paths. */
export function importsOf(file: string): ImportEdge[] {
  return specifiersOf(file)
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => ({ from: file, to: normalize(join(dirname(file), specifier)) }));
}

/** The files deno.json exports (the public entry points), repo-relative. */
export function publicEntryPoints(): Set<string> {
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as {
    exports: Record<string, string>;
  };
  return new Set(Object.values(deno.exports).map((path) => relative(".", normalize(path))));
}
