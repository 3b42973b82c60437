/**
 * Whether this platform spreads flows over sockets that share a port with `SO_REUSEPORT`.
 *
 * @module
 */

/** Platforms whose kernel balances `SO_REUSEPORT` sockets by flow hash (Linux 3.9+, FreeBSD 12+). */
const BALANCING = new Set(["linux", "freebsd", "android"]);

/**
 * Throws a `TypeError` naming the platform when it cannot share a port between workers: macOS and
 * the BSDs accept `SO_REUSEPORT` but give every packet to one socket, and Windows has no such
 * option; and on Node before 22.12, which has no `reusePort` option.
 */
export function checkReusePortPlatform(transport: string): void {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; process?: { version?: string } };
  const version = g.process?.version;
  if (g.Bun === undefined && g.Deno === undefined && version !== undefined && !nodeHasIt(version)) {
    throw new TypeError(
      `Cannot use reusePort for ${transport} on Node ${version}: node:net and node:dgram have it from 22.12; upgrade Node, or run on Bun or Deno`,
    );
  }
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform ??
    (globalThis as { Deno?: { build?: { os?: string } } }).Deno?.build?.os ?? "unknown";
  if (!BALANCING.has(platform)) {
    throw new TypeError(
      `Cannot use reusePort for ${transport} on '${platform}': only Linux and FreeBSD spread clients over sockets sharing a port; run one server per port there`,
    );
  }
}

/** Whether Node `version` (`v22.12.0`) has `reusePort` in node:net and node:dgram (22.12+). */
function nodeHasIt(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}
