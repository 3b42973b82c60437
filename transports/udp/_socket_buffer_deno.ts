/**
 * Raises a Deno UDP socket's kernel buffers. `Deno.listenDatagram` has no option for them and
 * exposes no file descriptor, so on Linux this finds the descriptor of the datagram socket bound
 * to the port (libc's `getsockopt` and `getsockname` through `Deno.dlopen`, tried on descriptors
 * from a little above the highest found before downwards, then on those `/proc/self/fd` lists)
 * and calls `setsockopt` on it. It needs `--allow-ffi` (and read access to `/proc/self/fd` for a
 * process with many descriptors) and asks for neither: without them, or elsewhere than on Linux,
 * the buffers stay at the kernel's default (212,992 bytes, about three 64 KiB datagrams).
 *
 * @module
 */

/** Linux's `SOL_SOCKET`, `SO_TYPE`, `SO_SNDBUF`, `SO_RCVBUF` and `SOCK_DGRAM` (x86-64, arm64). */
const SOL_SOCKET = 1;
const SO_TYPE = 3;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SOCK_DGRAM = 2;
/** `AF_INET` and `AF_INET6`: both `sockaddr` layouts hold the port big-endian at bytes 2..3. */
const AF_INET = 2;
const AF_INET6 = 10;
/** Room for a `sockaddr_in6`. */
const SOCKADDR_SIZE = 28;
/** Descriptors tried above the highest found before (a new one is the lowest free). */
const PROBE_ABOVE = 16;

interface Libc {
  setsockopt(fd: number, level: number, name: number, value: Int32Array, length: number): number;
  getsockopt(
    fd: number,
    level: number,
    name: number,
    value: Int32Array,
    length: Uint32Array,
  ): number;
  getsockname(fd: number, address: Uint8Array, length: Uint32Array): number;
}

interface DenoFfi {
  build: { os: string };
  permissions: { querySync(descriptor: { name: string; path?: string }): { state: string } };
  dlopen(
    path: string,
    symbols: Record<string, { parameters: string[]; result: string }>,
  ): { symbols: Libc };
  readDirSync(path: string): Iterable<{ name: string }>;
}

let loaded: Libc | null | undefined;
/** The highest descriptor a socket was found at. */
let highest = 0;

function load(deno: DenoFfi): Libc | null {
  try {
    return deno.dlopen("libc.so.6", {
      setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
      getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
      getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    }).symbols;
  } catch {
    return null;
  }
}

/** Whether `descriptor` is already granted (querying never prompts). */
function granted(deno: DenoFfi, descriptor: { name: string; path?: string }): boolean {
  try {
    return deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** Deno on Linux with FFI already allowed. */
function withFfi(): DenoFfi | undefined {
  const deno = (globalThis as unknown as { Deno?: DenoFfi }).Deno;
  if (deno?.build?.os !== "linux" || typeof deno.dlopen !== "function") return undefined;
  return granted(deno, { name: "ffi" }) ? deno : undefined;
}

/** Whether `setDenoSocketBuffer()` can work in this process (Deno on Linux, FFI granted). */
export function denoSocketBufferSettable(): boolean {
  return withFfi() !== undefined;
}

const type = new Int32Array(1);
const address = new Uint8Array(SOCKADDR_SIZE);
const length = new Uint32Array(1);

/** Whether `fd` is a datagram socket bound to `port`. */
function isUdpAt(libc: Libc, fd: number, port: number): boolean {
  length[0] = 4;
  if (libc.getsockopt(fd, SOL_SOCKET, SO_TYPE, type, length) !== 0 || type[0] !== SOCK_DGRAM) {
    return false;
  }
  length[0] = SOCKADDR_SIZE;
  if (libc.getsockname(fd, address, length) !== 0) return false;
  const family = address[0]! | (address[1]! << 8); // sa_family_t, host order (little-endian)
  return (family === AF_INET || family === AF_INET6) && ((address[2]! << 8) | address[3]!) === port;
}

/** Whether `fd`'s receive buffer is `bytes` or more already (Linux reports twice what was set). */
function raised(libc: Libc, fd: number, bytes: number): boolean {
  length[0] = 4;
  return libc.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, type, length) === 0 && type[0]! >= bytes;
}

/**
 * Asks the kernel for `bytes` of receive and send buffer on this process's UDP socket bound to
 * `port` (Linux caps it at `net.core.rmem_max`/`wmem_max`). Returns whether it was found and
 * both calls succeeded.
 */
export function setDenoSocketBuffer(port: number, bytes: number): boolean {
  const deno = withFfi();
  if (deno === undefined) return false;
  const libc = loaded === undefined ? (loaded = load(deno)) : loaded;
  if (libc === null) return false;
  const fd = findSocket(deno, libc, port, bytes);
  if (fd === undefined) return false;
  highest = Math.max(highest, fd);
  const value = new Int32Array([bytes]);
  return libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, value, 4) === 0 &&
    libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, value, 4) === 0;
}

/**
 * The descriptor of this process's datagram socket bound to `port`, if it can be found: one whose
 * buffer is not yet `bytes` when there are several (a server on the same port over IPv4 and IPv6).
 */
function findSocket(deno: DenoFfi, libc: Libc, port: number, bytes: number): number | undefined {
  let found: number | undefined;
  const pick = (fd: number): boolean => {
    if (!isUdpAt(libc, fd, port)) return false;
    found ??= fd;
    return !raised(libc, fd, bytes);
  };
  const top = highest + PROBE_ABOVE;
  for (let fd = top; fd >= 0; fd--) if (pick(fd)) return fd;
  if (found !== undefined || !granted(deno, { name: "read", path: "/proc/self/fd" })) return found;
  let listed: number[];
  try {
    listed = [...deno.readDirSync("/proc/self/fd")].map((entry) => Number(entry.name));
  } catch {
    return undefined;
  }
  return listed.find((fd) => fd > top && pick(fd)) ?? found;
}
