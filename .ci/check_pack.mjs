// Checks the npm package as a user gets it: `npm pack` the built dist/ (run build_npm.mjs
// first), install the tarball into a scratch project, then import every deno.json sub-path under
// Node, Bun and Deno and assert each exposes exactly the runtime exports of its TypeScript source
// (read with Deno from the repo). Also type-checks a consumer against the shipped .d.ts files
// with tsc, runs the `thing` bin with `--help` under Node, and runs the README's quick start, as
// written, against the installed package under Node (transpiled by tsc), Bun and Deno.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { cli, denoExports, packageFields, root } from "./_package.mjs";

const bin = join(root, "node_modules", ".bin");
const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
env.PATH = `${join(root, ".tools", "node_modules", ".bin")}:${bin}:${env.PATH ?? ""}`;
const failures = [];

function sh(cmd, args, cwd, timeout = 120_000) {
  return execFileSync(cmd, args, { cwd, env, timeout, encoding: "utf8", stdio: "pipe" });
}

function attempt(label, fn) {
  try {
    fn();
    console.log(`check_pack: ok   ${label}`);
  } catch (error) {
    const detail = [error.stdout, error.stderr].filter(Boolean).join("\n").trim();
    failures.push(label);
    console.log(`check_pack: FAIL ${label}\n${detail || error.message}`);
  }
}

const pkgName = JSON.parse(sh("npm", ["pkg", "get", "name"], root));
const subPaths = denoExports().map(([subPath]) => subPath);
const specifier = (subPath) => `${pkgName}${subPath.slice(1)}`;

/** A module that prints `{ subPath: sortedExportNames }` for every sub-path. */
function probe(importOf) {
  const lines = subPaths.map((subPath) =>
    `out[${JSON.stringify(subPath)}] = Object.keys(await import(${
      JSON.stringify(importOf(subPath))
    })).sort();`
  );
  return `const out = {};\n${lines.join("\n")}\nconsole.log(JSON.stringify(out));\n`;
}

const tmp = mkdtempSync(join(tmpdir(), "thing-pack-"));
try {
  // What the sources export, as Deno sees them in the repo.
  const expected = sh("deno", [
    "eval",
    probe((s) => `./${denoExports().find(([p]) => p === s)[1]}`),
  ], root);

  // The tarball, and its contents.
  const packed = JSON.parse(
    sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], root),
  )[0];
  const tarball = join(tmp, packed.filename);
  const shipped = new Set(packed.files.map((file) => file.path));
  attempt(`${packed.filename} holds every exports/bin target and no TypeScript sources`, () => {
    const fields = packageFields();
    const targets = [
      ...Object.values(fields.exports).flatMap(Object.values),
      ...Object.values(fields.bin),
    ];
    const absent = targets.map((target) => target.slice(2)).filter((path) => !shipped.has(path));
    const sources = [...shipped].filter((path) => path.endsWith(".ts") && !path.endsWith(".d.ts"));
    if (absent.length + sources.length > 0) {
      throw new Error(
        `missing: ${absent.join(", ") || "none"}; .ts sources: ${sources.join(", ") || "none"}`,
      );
    }
  });

  // A scratch project that depends on the tarball only.
  const scratch = join(tmp, "scratch");
  mkdirSync(scratch);
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({
      name: "scratch",
      private: true,
      type: "module",
      dependencies: { [pkgName]: `file:${tarball}` },
    }),
  );
  sh(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
    scratch,
  );
  writeFileSync(join(scratch, "probe.mjs"), probe(specifier));
  const runtimes = {
    "Node": ["node", ["probe.mjs"]],
    "Bun": ["bun", ["probe.mjs"]],
    "Deno": ["deno", ["run", "-A", "probe.mjs"]],
  };
  for (const [name, [cmd, args]] of Object.entries(runtimes)) {
    attempt(
      `${name} imports ${subPaths.map(specifier).join(", ")} with the source's exports`,
      () => {
        const actual = sh(cmd, args, scratch);
        if (actual.trim() !== expected.trim()) {
          throw new Error(`expected ${expected.trim()}\n     got ${actual.trim()}`);
        }
      },
    );
  }

  attempt("the shipped .d.ts files type-check in a strict Node consumer", () => {
    const imports = subPaths.map((subPath, i) => `import * as m${i} from "${specifier(subPath)}";`);
    writeFileSync(
      join(scratch, "consumer.ts"),
      `${imports.join("\n")}\nexport const modules: object[] = [${
        subPaths.map((_, i) => `m${i}`).join(", ")
      }];\n`,
    );
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023"],
          types: ["node"],
          typeRoots: [join(root, "node_modules", "@types")],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["consumer.ts"],
      }),
    );
    sh(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."],
      scratch,
    );
  });

  attempt(`'${cli.command} --help' runs under Node from the installed bin`, () => {
    sh(join(scratch, "node_modules", ".bin", cli.command), ["--help"], scratch, 30_000);
  });
  attempt(
    `'bunx --bun ${cli.command} --help' and 'deno task ${cli.command} --help' (README)`,
    () => {
      sh("bunx", ["--bun", cli.command, "--help"], scratch, 30_000);
      sh("deno", ["task", cli.command, "--help"], root, 30_000);
    },
  );
  const quickStart = readmeQuickStart();
  writeFileSync(join(scratch, "quick_start.ts"), quickStart);
  const ts = createRequire(import.meta.url)(join(root, "node_modules", "typescript"));
  writeFileSync(
    join(scratch, "quick_start.mjs"),
    ts.transpileModule(quickStart, { compilerOptions: { module: "ESNext", target: "ES2022" } })
      .outputText,
  );
  const quickStartRuns = {
    "Node": ["node", ["quick_start.mjs"]],
    "Bun": ["bun", ["quick_start.ts"]],
    "Deno": ["deno", ["run", "-A", "quick_start.ts"]],
  };
  for (const [name, [cmd, args]] of Object.entries(quickStartRuns)) {
    attempt(`the README quick start runs as written under ${name} and exits 0`, () => {
      const result = spawnSync(cmd, args, { cwd: scratch, env, timeout: 30_000, encoding: "utf8" });
      if (result.status !== 0 || result.stdout !== "hello, thing\n" || result.stderr !== "") {
        throw new Error(
          `exit ${result.status}, stdout ${JSON.stringify(result.stdout)}, stderr ${result.stderr}`,
        );
      }
    });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/** The first ```ts block under README.md's "Quick start" heading. */
function readmeQuickStart() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Quick start")));
  if (!block) throw new Error("README.md has no ```ts block under '## Quick start'");
  return block[1];
}

if (failures.length > 0) {
  console.log(`check_pack: ${failures.length} check(s) failed`);
  process.exit(1);
}
