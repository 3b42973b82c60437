/**
 * Run-time lookup of Node built-in modules (`node:crypto`, `node:fs/promises`) through
 * `process.getBuiltinModule` (Deno, Bun, Node 20.16+). Nothing here imports them statically, so
 * the dialect bundles for browsers unchanged; there the lookup finds nothing and callers fall back
 * (crypto to noble) or say what to do (key files).
 *
 * @module
 */

/**
 * The built-in module `id` of this runtime, or undefined where there is none (browsers).
 *
 * @example
 * ```ts
 * const crypto = builtinModule<typeof import("node:crypto")>("node:crypto");
 * ```
 */
export function builtinModule<T>(id: string): T | undefined {
  if (!found.has(id)) found.set(id, lookUp(id));
  return found.get(id) as T | undefined;
}

// Looked up once per id: the crypto primitives ask on every call (~30 times per handshake).
const found = new Map<string, unknown>();

function lookUp(id: string): unknown {
  const process = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  try {
    return process?.getBuiltinModule?.(id);
  } catch {
    return undefined;
  }
}
