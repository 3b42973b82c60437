/**
 * Which code computes a crypto primitive: the runtime's native `node:crypto` (OpenSSL, BoringSSL
 * or Rust, depending on the runtime) or the portable, pure-TypeScript noble libraries.
 *
 * @module
 */

/** A concrete implementation of a primitive. */
export type Implementation = "native" | "noble";

/** What a caller may ask for: a concrete implementation, or "auto" for the fastest correct one. */
export type ImplementationChoice = Implementation | "auto";

/** Options accepted by every primitive that has a native and a noble implementation. */
export interface ImplementationOptions {
  /** Defaults to "auto": native when this runtime has it and it passes a self-test, else noble. */
  implementation?: ImplementationChoice;
}

/**
 * Resolves a choice to a concrete implementation.
 *
 * @param choice what the caller asked for (undefined means "auto")
 * @param nativeAvailable whether the native implementation exists and passed its self-test
 * @param what the primitive's name, for the error message
 * @returns the implementation to use
 * @throws {RangeError} if "native" was asked for but this runtime lacks it, or the choice is unknown
 */
export function resolveImplementation(
  choice: ImplementationChoice | undefined,
  nativeAvailable: boolean,
  what: string,
): Implementation {
  switch (choice ?? "auto") {
    case "auto":
      return nativeAvailable ? "native" : "noble";
    case "noble":
      return "noble";
    case "native":
      if (nativeAvailable) return "native";
      throw new RangeError(
        `Cannot use the native "${what}" implementation on this runtime: use implementation "auto" or "noble"`,
      );
    default:
      throw new RangeError(
        `Cannot use implementation "${String(choice)}": use "auto", "native" or "noble"`,
      );
  }
}

/**
 * A native implementation found on first use by a self-test, and the per-call choice between it
 * and noble.
 */
export class NativeChoice<T> {
  readonly #what: string;
  readonly #probe: () => T | undefined;
  #native: T | null | undefined;

  /**
   * @param what the primitive's name, for error messages
   * @param probe returns the native implementation if it exists and passes a self-test
   */
  constructor(what: string, probe: () => T | undefined) {
    this.#what = what;
    this.#probe = probe;
  }

  /** Whether the native implementation exists and passed its self-test (probed once). */
  available(): boolean {
    this.#native ??= this.#probe() ?? null;
    return this.#native !== null;
  }

  /**
   * The native implementation when `options` resolve to it, else `undefined` (use noble).
   *
   * @throws {RangeError} if "native" was asked for but this runtime lacks it
   */
  pick(options: ImplementationOptions): T | undefined {
    const impl = resolveImplementation(options.implementation, this.available(), this.#what);
    return impl === "native" ? this.#native! : undefined;
  }
}

/**
 * Checks that `bytes` is a Uint8Array of exactly `length` bytes.
 *
 * @param bytes the value to check
 * @param length the required byte length
 * @param name the parameter's name, for the error message
 * @throws {TypeError} if `bytes` is not a Uint8Array
 * @throws {RangeError} if it has another length
 */
export function requireBytes(bytes: Uint8Array, length: number, name: string): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot use ${name}: pass a Uint8Array`);
  }
  if (bytes.length !== length) {
    throw new RangeError(
      `Cannot use ${name} of ${bytes.length} bytes: pass exactly ${length} bytes`,
    );
  }
}
