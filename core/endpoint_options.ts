/**
 * How an endpoint is built, and the counters it keeps.
 *
 * @module
 */
import type { Clock, Random } from "./clock.ts";
import type { Role } from "./events.ts";
import type { PluginList } from "./plugin.ts";
import type { Sha256 } from "./sha256.ts";

/** How to build an endpoint. */
export interface EndpointOptions {
  /** `server` accepts sessions, `client` starts them. */
  role: Role;
  /** The plugins that make up the protocol, nearest the wire first. */
  plugins: PluginList;
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** Randomness (default: `crypto.getRandomValues`). */
  random?: Random;
  /** SHA-256 provider for checksums (default: the fastest on this runtime). */
  hash?: Sha256;
  /** Milliseconds `connect()` waits for the handshake before failing (default 10,000). */
  connectTimeout?: number;
  /** Milliseconds `close()` lets sessions say goodbye before ending them (default 3,000). */
  closeTimeout?: number;
}

/** Counters an endpoint keeps. */
export interface EndpointStats {
  /** Packets received (well-formed or not). */
  packetsIn: number;
  /** Bytes received. */
  bytesIn: number;
  /** Packets encoded for sending. */
  packetsOut: number;
  /** Bytes encoded for sending. */
  bytesOut: number;
  /** Dropped inbound packets by reason. */
  dropped: Record<string, number>;
}
