/**
 * The README's quick start, extracted as a user copies it, with its `@thing/net` imports pointed
 * at this checkout's sources.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The first ```ts block under the README's "Quick start" heading, exactly as written. */
export function quickStart(): string {
  const readme = readFileSync(`${root}README.md`, "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("README.md has no ```ts block under '## Quick start'");
  return block[1]!;
}

/** `code` with each `@thing/net[/sub]` import replaced by the checkout's source module. */
export function fromSources(code: string): string {
  const exports = JSON.parse(readFileSync(`${root}deno.json`, "utf8")).exports as Record<
    string,
    string
  >;
  return code.replace(/from "@thing\/net(\/[^"]*)?"/g, (_, sub: string | undefined) => {
    const target = exports[`.${sub ?? ""}`];
    if (!target) throw new Error(`README imports @thing/net${sub ?? ""}, which is not exported`);
    return `from "${new URL(target, `file://${root}`).href}"`;
  });
}
