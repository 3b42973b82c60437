/**
 * The Thing session layer's own handshake extensions (docs/PROTOCOL.md §3.13): stateless reset
 * (§3.16) and resumption (§3.15). The plugin defines them through `api.defineExtension()` like any
 * other plugin, so CHI and CRH offer them, and SHI and SRH answer them, in one list with every
 * other plugin's (the Connection data plugin's FRAMED); the session's `control.extensions` holds
 * what was taken.
 *
 * @module
 */
import type { Extension } from "../../core/extensions.ts";
import type { PluginApi } from "../../core/plugin.ts";
import type { TakenExtensions } from "./host.ts";
import type { ThingConfig } from "./options.ts";

/** Extension type: the server gives the client a stateless reset token (in SCC). */
export const EXT_STATELESS_RESET = 0x0002;
/** Extension type: the server gives the client a resumption ticket (in SCC). */
export const EXT_RESUMPTION = 0x0003;

/**
 * Defines the extensions this endpoint negotiates: a server takes both whenever offered; a client
 * offers stateless reset unless `statelessReset: false`, and resumption when it has a ticket store.
 */
export function defineThingExtensions(api: PluginApi, config: ThingConfig): void {
  const server = api.role === "server";
  const empty = () => new Uint8Array(0);
  if (server || config.statelessReset) {
    api.defineExtension({ type: EXT_STATELESS_RESET, offer: empty, accept: empty });
  }
  if (server || config.tickets !== undefined) {
    api.defineExtension({ type: EXT_RESUMPTION, offer: empty, accept: empty });
  }
}

/** Which of the two extensions a list holds. */
export function extensionsIn(list: readonly Extension[]): TakenExtensions {
  return {
    reset: list.some((e) => e.type === EXT_STATELESS_RESET),
    resumption: list.some((e) => e.type === EXT_RESUMPTION),
  };
}
