/**
 * `hybrid(options)`: the Thing handshake, sealing, heartbeat and goodbyes carrying the Connection
 * dialect's data semantics (DATA_ACK/ACK/BAD_ACK with retransmission, DATA_NOACK, custom IDs).
 * The preset is just a plugin list; swap the second entry for your own data plugin:
 *
 * ```ts
 * import { connectionData } from "@thing/net/plugins/connection";
 * import { generateIdentity, thingSession } from "@thing/net/plugins/thing";
 *
 * // The Thing handshake and sealing with the Connection data plugin: what hybrid() assembles.
 * const plugins = [thingSession({ identity: generateIdentity() }), connectionData()];
 * ```
 *
 * @module
 */
import type { PluginList } from "../../core/plugin.ts";
import { connectionData, type DataOptions } from "../connection/mod.ts";
import type { ThingOptions } from "./options.ts";
import { thingSession } from "./plugin.ts";
import { ConnectionPacket } from "../connection/mod.ts";

/** Options of `hybrid()`: the Thing options and the Connection data plugin's options. */
export type HybridOptions = ThingOptions & DataOptions;

/** The Connection data plugin's default receive window (order counts). */
const DEFAULT_DATA_WINDOW = 4096;

const DATA_KEYS = [
  "initialRto",
  "minRto",
  "maxRto",
  "maxRetransmits",
  "maxInFlight",
  "window",
  "channels",
  "reorderWindow",
  "packetSize",
  "flush",
  "framed",
  "congestion",
] as const satisfies readonly (keyof DataOptions)[];

/**
 * The hybrid dialect: `[thingSession(…), connectionData(…)]`. DATA_ACK retransmissions reuse
 * their order count (and so their nonce, with identical bytes), so the session layer lets a
 * repeated DATA_ACK through its replay window; the data plugin deduplicates it and answers ACK.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` naming a bad option
 */
export function hybrid(options: HybridOptions = {}): PluginList {
  const thingOptions: Record<string, unknown> = {};
  const dataOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    ((DATA_KEYS as readonly string[]).includes(key) ? dataOptions : thingOptions)[key] = value;
  }
  // A DATA_ACK may be resent until it is `window` order counts old: the replay window must
  // reach as far back, or the repeat of a DATA_ACK whose ACK was lost is dropped unanswered.
  thingOptions.replayWindow ??= Math.max(1024, options.window ?? DEFAULT_DATA_WINDOW);
  return [
    thingSession(thingOptions as ThingOptions, { duplicates: [ConnectionPacket.DATA_ACK] }),
    connectionData(dataOptions as DataOptions),
  ];
}
