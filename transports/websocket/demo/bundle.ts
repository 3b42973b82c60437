/**
 * Bundles `browser_main.ts` for browsers at server start, with the runtime's own bundler:
 * `Bun.build` on Bun, `deno bundle` on Deno. Both map the `node:` modules the Thing dialect
 * imports to the stand-ins in `shims/` (see `browser_import_map.json`).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./browser_main.ts", import.meta.url));
const IMPORT_MAP = fileURLToPath(new URL("./browser_import_map.json", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface BunBuildApi {
  build(options: {
    entrypoints: string[];
    target: "browser";
    plugins: Array<{
      name: string;
      setup(build: {
        onResolve(
          options: { filter: RegExp },
          resolve: (args: { path: string }) => { path: string } | undefined,
        ): void;
      }): void;
    }>;
  }): Promise<{ success: boolean; logs: unknown[]; outputs: Array<{ text(): Promise<string> }> }>;
}

async function withBun(bun: BunBuildApi): Promise<string> {
  const { imports } = JSON.parse(await readFile(IMPORT_MAP, "utf8")) as {
    imports: Record<string, string>;
  };
  const shims = new Map(
    Object.entries(imports).map(([name, path]) => [
      name,
      fileURLToPath(new URL(path, new URL("./browser_import_map.json", import.meta.url))),
    ]),
  );
  const result = await bun.build({
    entrypoints: [ENTRY],
    target: "browser",
    plugins: [{
      name: "thing-browser-shims",
      setup(build) {
        build.onResolve({ filter: /^node:/ }, (args) => {
          const path = shims.get(args.path);
          return path === undefined ? undefined : { path };
        });
      },
    }],
  });
  const output = result.outputs[0];
  if (!result.success || !output) {
    throw new Error(`Cannot bundle the demo client with Bun.build: ${result.logs.join("; ")}`);
  }
  return await output.text();
}

async function withDeno(): Promise<string> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", "--import-map", IMPORT_MAP, ENTRY],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  });
  const { success, stdout, stderr } = await command.output();
  if (!success) {
    throw new Error(
      `Cannot bundle the demo client with deno bundle: ${new TextDecoder().decode(stderr)}`,
    );
  }
  return new TextDecoder().decode(stdout);
}

/**
 * The browser script of the demo page, freshly bundled.
 *
 * @throws {Error} when the bundler fails
 * @throws {TypeError} under Node, which has no bundler
 */
export function bundleBrowserClient(): Promise<string> {
  const bun = (globalThis as { Bun?: BunBuildApi }).Bun;
  if (bun) return withBun(bun);
  if ((globalThis as { Deno?: unknown }).Deno !== undefined) return withDeno();
  return Promise.reject(
    new TypeError("Cannot bundle the demo client under Node: run the demo with Deno or Bun"),
  );
}
