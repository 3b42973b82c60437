/**
 * Bundles `browser_main.ts` for browsers at server start, with the runtime's own bundler:
 * `Bun.build` on Bun, `deno bundle` on Deno. Nothing needs mapping: the core and the Thing
 * dialect import no `node:` module statically (they look `node:crypto` up at run time and fall
 * back to noble in browsers).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./browser_main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface BunBuildApi {
  build(options: {
    entrypoints: string[];
    target: "browser";
  }): Promise<{ success: boolean; logs: unknown[]; outputs: Array<{ text(): Promise<string> }> }>;
}

async function withBun(bun: BunBuildApi): Promise<string> {
  const result = await bun.build({ entrypoints: [ENTRY], target: "browser" });
  const output = result.outputs[0];
  if (!result.success || !output) {
    throw new Error(`Cannot bundle the demo client with Bun.build: ${result.logs.join("; ")}`);
  }
  return await output.text();
}

async function withDeno(): Promise<string> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", ENTRY],
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
