import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ImportEdge, importsOf, publicEntryPoints, sourceFiles } from "./_imports.ts";

// The layer rule of docs/ARCHITECTURE.md, checked on every relative import of the library.

const PUBLIC = publicEntryPoints();
const LIBRARY = ["core", "reliability", "transports", "plugins", "presets", "workers"];

/** Imports that break the rule and are yet to be removed (none: a new one fails the test). */
const PENDING: ReadonlySet<string> = new Set([]);

/** The folder a file belongs to for the rule: `core`, `plugins/thing`, `presets/quic`, … */
function unit(path: string): string {
  const [top, sub] = path.split("/");
  return top === "plugins" || top === "presets" || top === "examples" ? `${top}/${sub}` : top!;
}

/** Why `edge` breaks the rule, or undefined when it may exist. */
function violation({ from, to }: ImportEdge): string | undefined {
  const source = unit(from);
  const target = unit(to);
  if (source === target || PUBLIC.has(to)) {
    return source === "core" || source === "transports" || source === "reliability"
      ? layered(source, target)
      : undefined;
  }
  const top = source.split("/")[0];
  if (top === "core" || top === "transports" || top === "reliability") return layered(top, target);
  if (top === "plugins" || top === "workers") {
    if (target === "core" || target === "reliability") return undefined;
    return "a plugin (or workers/) imports another plugin only through its public entry point";
  }
  return "presets and examples import only public entry points and their own folder";
}

/** The strict layers: core imports only core; reliability core; transports core. */
function layered(source: string, target: string): string | undefined {
  if (source === target) return undefined;
  if (source !== "core" && target === "core") return undefined;
  return `${source}/ may not import ${target}/`;
}

function edgesUnder(folders: string[]): ImportEdge[] {
  return folders
    .filter((folder) => {
      try {
        return sourceFiles(folder).length >= 0;
      } catch {
        return false;
      }
    })
    .flatMap((folder) => sourceFiles(folder).flatMap(importsOf));
}

describe("the import rule (docs/ARCHITECTURE.md)", () => {
  it("every import of core, reliability, transports, plugins, presets and examples is allowed", () => {
    const broken = edgesUnder([...LIBRARY, "examples"])
      .map((edge) => ({ edge, why: violation(edge) }))
      .filter(({ edge, why }) => why && !PENDING.has(`${edge.from} -> ${edge.to}`))
      .map(({ edge, why }) => `${edge.from} -> ${edge.to}: ${why}`);
    assert.deepEqual(broken, []);
  });

  it("the pending exceptions still exist (remove each one fixed)", () => {
    const present = new Set(edgesUnder(["plugins"]).map((edge) => `${edge.from} -> ${edge.to}`));
    assert.deepEqual([...PENDING].filter((edge) => !present.has(edge)), []);
  });

  it("the library has no import cycle", () => {
    const graph = new Map<string, string[]>();
    for (const edge of edgesUnder(LIBRARY)) {
      graph.set(edge.from, [...(graph.get(edge.from) ?? []), edge.to]);
    }
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it("reads imports: finds a known edge of the tree", () => {
    const edges = importsOf("plugins/thing/mod.ts").map((edge) => edge.to);
    assert.ok(edges.includes("core/plugin.ts"), edges.join(", "));
  });
});
