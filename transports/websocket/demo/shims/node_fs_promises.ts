/**
 * Browser stand-in for `node:fs/promises`: key files cannot be read or written in a page.
 * Mapped in by `browser_import_map.json`.
 *
 * @module
 */

function unavailable(name: string): Promise<never> {
  return Promise.reject(
    new TypeError(`Cannot use node:fs ${name} in a browser: pass keys as bytes or text`),
  );
}

/** Rejects: no file system in a browser. */
export function readFile(): Promise<never> {
  return unavailable("readFile");
}

/** Rejects: no file system in a browser. */
export function writeFile(): Promise<never> {
  return unavailable("writeFile");
}
