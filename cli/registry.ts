/**
 * What `--dialect` and `--transport` may name. Commands look names up here, so a new dialect or
 * transport is one entry in this file, not an edit to every command.
 *
 * @module
 */
import type { PluginList } from "../core/plugin.ts";
import type { Transport } from "../core/transport.ts";
import { connection, type DataOptions, type DeliveryMode } from "../plugins/connection/mod.ts";
import { hybrid, type Identity, thing } from "../plugins/thing/mod.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { udp } from "../transports/udp/mod.ts";
import { websocket } from "../transports/websocket/mod.ts";

/** Settings a command passes to every dialect; each dialect uses the ones it understands. */
export interface DialectSettings {
  /** Session idle timeout (connection) or TTL (thing, hybrid), in ms. */
  timeout?: number;
  /** Packets sealed under one key before the next (thing, hybrid). */
  rekeyAfter?: number;
  /** Server: the identity (thing, hybrid). */
  identity?: Identity;
  /** Client: the server key to pin, base64url or key file text (thing, hybrid). */
  serverKey?: string;
  /** Options for the Connection data plugin (connection, hybrid), e.g. `maxRetransmits`. */
  data?: DataOptions;
}

/** A dialect the CLI can run. */
export interface DialectEntry {
  /** One line for `--help`. */
  summary: string;
  /** Whether `send({ reliable: true })` works (DATA_ACK, resolved on ACK). */
  reliable: boolean;
  /** Whether a server needs an identity key (`--key`). */
  identity: boolean;
  /** Builds the plugin list for one endpoint. */
  plugins(settings: DialectSettings): PluginList;
}

/** A transport the CLI can run over. */
export interface TransportEntry {
  /** One line for `--help`. */
  summary: string;
  /** Builds the transport. */
  create(): Transport;
  /** Whether it carries files over streams (`serve --out`, `send`) rather than messages. */
  streams?: boolean;
}

function thingOptions(settings: DialectSettings) {
  return {
    ...(settings.timeout === undefined ? {} : { ttl: settings.timeout }),
    ...(settings.rekeyAfter === undefined ? {} : { rekeyAfter: settings.rekeyAfter }),
    ...(settings.identity === undefined ? {} : { identity: settings.identity }),
    ...(settings.serverKey === undefined ? {} : { serverKey: settings.serverKey }),
  };
}

/**
 * The channels every CLI endpoint of the connection and hybrid dialects configures, one per mode:
 * channel 0 `reliable-ordered` (what `thing connect` sends on), 1 `reliable-unordered`, 2
 * `unreliable-sequenced`, 3 `unreliable`. `--channel MODE` picks the channel of that mode.
 */
export const CLI_CHANNELS: readonly DeliveryMode[] = [
  "reliable-ordered",
  "reliable-unordered",
  "unreliable-sequenced",
  "unreliable",
];

/** Dialects by `--dialect` name. */
export const dialects: Record<string, DialectEntry> = {
  connection: {
    summary: "the Connection draft: HELLO, PING, DATA_ACK/DATA_NOACK, DISCONNECT (unencrypted)",
    reliable: true,
    identity: false,
    plugins: ({ timeout, data }) =>
      connection({
        channels: CLI_CHANNELS,
        ...(timeout === undefined ? {} : { timeout }),
        ...data,
      }),
  },
  thing: {
    summary: "the Thing handshake, sealed datagrams (DATA_NOACK only), heartbeats",
    reliable: false,
    identity: true,
    plugins: (settings) => thing(thingOptions(settings)),
  },
  hybrid: {
    summary: "the Thing handshake and encryption with the Connection data plugin (DATA_ACK)",
    reliable: true,
    identity: true,
    plugins: (settings) =>
      hybrid({ channels: CLI_CHANNELS, ...thingOptions(settings), ...settings.data }),
  },
};

/** Transports by `--transport` name. */
export const transports: Record<string, TransportEntry> = {
  udp: { summary: "UDP datagrams", create: () => udp() },
  tcp: { summary: "TCP, length-prefixed frames", create: () => tcp() },
  ws: { summary: "WebSocket, one packet per binary message at /thing", create: () => websocket() },
  quic: {
    summary: "QUIC-style streams over UDP under the thing handshake (serve --out, send)",
    create: () => udp(),
    streams: true,
  },
};
