/**
 * What `--dialect` and `--transport` may name. Commands look names up here, so a new dialect or
 * transport is one entry in this file, not an edit to every command.
 *
 * @module
 */
import type { PluginList } from "../core/plugin.ts";
import type { Transport } from "../core/transport.ts";
import { connection } from "../plugins/connection/mod.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { udp } from "../transports/udp/mod.ts";

/** Settings a command passes to every dialect; each dialect uses the ones it understands. */
export interface DialectSettings {
  /** Server: session idle timeout in ms. */
  timeout?: number;
}

/** A dialect the CLI can run. */
export interface DialectEntry {
  /** One line for `--help`. */
  summary: string;
  /** Builds the plugin list for one endpoint. */
  plugins(settings: DialectSettings): PluginList;
}

/** A transport the CLI can run over. */
export interface TransportEntry {
  /** One line for `--help`. */
  summary: string;
  /** Builds the transport. */
  create(): Transport;
}

/** Dialects by `--dialect` name. */
export const dialects: Record<string, DialectEntry> = {
  connection: {
    summary: "the Connection draft: HELLO, PING, DATA_ACK/DATA_NOACK, DISCONNECT (unencrypted)",
    plugins: ({ timeout }) => connection(timeout === undefined ? {} : { timeout }),
  },
};

/** Transports by `--transport` name. */
export const transports: Record<string, TransportEntry> = {
  udp: { summary: "UDP datagrams", create: () => udp() },
  tcp: { summary: "TCP, length-prefixed frames", create: () => tcp() },
};
