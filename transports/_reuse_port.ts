/**
 * Whether this platform spreads flows over sockets that share a port with `SO_REUSEPORT`.
 *
 * @module
 */

/** Platforms whose kernel balances `SO_REUSEPORT` sockets by flow hash (Linux 3.9+, FreeBSD 12+). */
const BALANCING = new Set(["linux", "freebsd", "android"]);

/**
 * Throws a `TypeError` naming the platform when it cannot share a port between workers: macOS and
 * the BSDs accept `SO_REUSEPORT` but give every packet to one socket, and Windows has no such option.
 */
export function checkReusePortPlatform(transport: string): void {
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform ??
    (globalThis as { Deno?: { build?: { os?: string } } }).Deno?.build?.os ?? "unknown";
  if (!BALANCING.has(platform)) {
    throw new TypeError(
      `Cannot use reusePort for ${transport} on '${platform}': only Linux and FreeBSD spread clients over sockets sharing a port; run one server per port there`,
    );
  }
}
