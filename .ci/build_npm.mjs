// Builds the npm package: compiles the modules deno.json exports (and the CLI) with tsc into
// dist/ as ESM JavaScript + .d.ts, with `.ts` import specifiers rewritten to `.js`, and keeps the
// package.json publishing fields (`exports`, `main`, `types`, `bin`, `files`) in sync with
// deno.json.
//
//   node .ci/build_npm.mjs          build, and update package.json if it is out of sync
//   node .ci/build_npm.mjs --check  build, and fail if package.json is out of sync

import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { built, cli, denoExports, packageFields, root } from "./_package.mjs";

const check = process.argv.includes("--check");

function fail(message) {
  console.error(`build_npm: ${message}`);
  process.exit(1);
}

// 1. package.json publishing fields.
const pkgPath = join(root, "package.json");
const pkgText = readFileSync(pkgPath, "utf8");
const pkg = JSON.parse(pkgText);
const fields = packageFields();
const stale = Object.keys(fields).filter(
  (key) => JSON.stringify(pkg[key]) !== JSON.stringify(fields[key]),
);
if (stale.length > 0) {
  if (check) {
    fail(
      `package.json fields ${stale.join(", ")} are out of sync with deno.json exports; ` +
        "run 'node .ci/build_npm.mjs' and commit package.json",
    );
  }
  // Existing keys keep their place; new ones go after "engines".
  const next = {};
  for (const [key, value] of Object.entries(pkg)) {
    next[key] = key in fields ? fields[key] : value;
    if (key === "engines") Object.assign(next, fields);
  }
  writeFileSync(pkgPath, `${JSON.stringify(Object.assign(next, fields), null, 2)}\n`);
  const deno = "deno"; // from PATH: run through `bash .ci/tools`
  execFileSync(deno, ["fmt", "--quiet", pkgPath], { cwd: root, stdio: "inherit" });
  console.log(`build_npm: updated package.json fields: ${stale.join(", ")}`);
}

// 2. Compile every entry point.
const sources = [...denoExports().map(([, source]) => source), cli.source];
const missing = sources.filter((source) => !existsSync(join(root, source)));
if (missing.length > 0) {
  fail(`entry points missing: ${missing.join(", ")} (deno.json exports and ${cli.source})`);
}
rmSync(join(root, "dist"), { recursive: true, force: true });
const tmp = mkdtempSync(join(tmpdir(), "thing-build-"));
let compiled = true;
try {
  // Code may name the `Deno` namespace behind runtime checks: give tsc Deno's own declarations
  // (their lib references point at Deno-only libs, so they are dropped).
  const denoTypes = join(tmp, "deno.d.ts");
  const deno = "deno"; // from PATH: run through `bash .ci/tools`
  const declarations = execFileSync(deno, ["types"], { cwd: root, encoding: "utf8" });
  writeFileSync(denoTypes, declarations.replace(/^\/\/\/ <reference .*$/gm, ""));
  const config = join(tmp, "tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, ".ci", "tsconfig.build.json"),
      files: [denoTypes, ...sources.map((source) => join(root, source))],
    }),
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", config, "--pretty", "false"], {
    cwd: root,
    stdio: "inherit",
  });
} catch {
  compiled = false;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (!compiled) fail("tsc failed (errors above)");

// 3. tsc rewrites `.ts` specifiers in JavaScript only; do the same in the declarations.
for (const file of readdirSync(join(root, "dist"), { recursive: true })) {
  if (!file.endsWith(".d.ts")) continue;
  const path = join(root, "dist", file);
  const text = readFileSync(path, "utf8");
  const rewritten = text.replace(
    /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']*)\.ts\2/g,
    "$1$2$3.js$2",
  );
  if (rewritten !== text) writeFileSync(path, rewritten);
}

// 4. The CLI runs under Node: give it a node shebang and make it executable.
const binPath = join(root, built(cli.source));
const js = readFileSync(binPath, "utf8");
const body = js.startsWith("#!") ? js.slice(js.indexOf("\n") + 1) : js;
writeFileSync(binPath, `#!/usr/bin/env node\n${body}`);
chmodSync(binPath, 0o755);

console.log(`build_npm: built ${sources.length} entry points into dist/`);
