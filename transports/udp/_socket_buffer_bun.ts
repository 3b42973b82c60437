/**
 * Raises a Bun UDP socket's kernel buffers. `Bun.udpSocket` has no option for them but exposes the
 * socket's `fd`, so on Linux this calls libc's `setsockopt` through `bun:ffi` (`node:dgram` on Bun
 * does the same internally). Elsewhere, or when libc cannot be opened, the buffers stay as they are.
 *
 * @module
 */

/** Linux's `SOL_SOCKET`, `SO_SNDBUF` and `SO_RCVBUF` (x86-64 and arm64 values). */
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;

type SetSockOpt = (fd: number, level: number, name: number, value: Int32Array) => number;

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: { setsockopt(...args: unknown[]): number } };
  ptr(view: ArrayBufferView): unknown;
}

let loaded: Promise<SetSockOpt | undefined> | undefined;

async function load(): Promise<SetSockOpt | undefined> {
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform;
  if (platform !== "linux") return undefined;
  try {
    const specifier = "bun:ffi"; // a variable, so other runtimes' type checkers do not resolve it
    const ffi = await import(specifier) as BunFfi;
    const lib = ffi.dlopen("libc.so.6", {
      setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
    });
    return (fd, level, name, value) =>
      lib.symbols.setsockopt(fd, level, name, ffi.ptr(value), value.byteLength);
  } catch {
    return undefined;
  }
}

/**
 * Asks the kernel for `bytes` of receive and send buffer on socket `fd` (Linux caps it at
 * `net.core.rmem_max`/`wmem_max`). Resolves whether the call was made and succeeded.
 */
export async function setBunSocketBuffer(fd: number, bytes: number): Promise<boolean> {
  const setsockopt = await (loaded ??= load());
  if (setsockopt === undefined) return false;
  const value = new Int32Array([bytes]);
  return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, value) === 0 &&
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, value) === 0;
}
