// Checks the documentation's code as CI's "docs" step:
// 1. every ```ts block of README.md and docs/*.md type-checks with `deno check`, each as a module
//    of its own, except that a block opened with ```ts continued is appended to the block before
//    it (for a walk-through that builds one file in several steps);
// 2. every ```ts example in the library's doc comments type-checks (`deno check --doc`), and the
//    ones that can run as a test (all but `declare module` augmentations) run (`deno test --doc`).
// The README's quick start is also run as written under Node, Bun and Deno by check_pack.mjs and
// tests/docs/readme_quickstart_test.ts.

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const out = join(root, ".artifacts", "doc_blocks");

/** The ```ts blocks of a Markdown file as modules: `{ line, code }`, continued blocks joined. */
export function markdownModules(text) {
  const modules = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```ts(\s+continued)?\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== "```") i++;
    const code = lines.slice(start, i + 1).join("\n") + "\n";
    i++;
    if (open[1] && modules.length > 0) modules.at(-1).code += code;
    else modules.push({ line: start, code });
  }
  return modules;
}

/** Library source files (what users import), relative to the root. */
function sources(dir = root) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const skip = ["node_modules", "tests", "bench", "dist", "examples", "interop"];
      return entry.name.startsWith(".") || skip.includes(entry.name) ? [] : sources(path);
    }
    return entry.name.endsWith(".ts") ? [relative(root, path)] : [];
  });
}

function deno(args) {
  execFileSync("deno", args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1" },
  });
}

const docs = [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const files = [];
for (const doc of docs) {
  for (const { line, code } of markdownModules(readFileSync(join(root, doc), "utf8"))) {
    const file = join(out, `${doc.replaceAll("/", "_").replace(/\.md$/, "")}_line${line}.ts`);
    writeFileSync(file, `// ${doc}, the block at line ${line}\n${code}`);
    files.push(relative(root, file));
  }
}
console.log(`check_docs: ${files.length} Markdown modules from ${docs.join(", ")}`);
deno(["check", ...files]);

const withExamples = sources().filter((f) =>
  /^ \* ```ts\s*$/m.test(readFileSync(join(root, f), "utf8"))
);
const runnable = withExamples.filter((f) =>
  !readFileSync(join(root, f), "utf8").includes("declare module")
);
console.log(
  `check_docs: doc-comment examples in ${withExamples.length} files, ${runnable.length} run`,
);
deno(["check", "--doc", ...withExamples]);
deno(["test", "--doc", "-A", "--quiet", ...runnable]);
