/**
 * `quic()`: the QUIC-style transport preset — UDP, the Thing handshake (every stream and datagram
 * sealed with the session's AEAD keys) and the streams plugin — plus `listenQuic()` and
 * `connectQuic()` to start a server or client with it. A client whose address or port changes
 * (a NAT rebinding, a new socket) keeps its session: the server validates the new path before it
 * moves there (docs/PROTOCOL.md 3.1 and 5.6).
 *
 * @module
 */
import {
  connect,
  listen,
  type NodeOptions,
  type PluginList,
  type ThingClient,
  type ThingNode,
  type Transport,
} from "../../mod.ts";
import { AEAD_TAG_LENGTH, type ThingOptions, thingSession } from "../../plugins/thing/mod.ts";
import {
  streams,
  type StreamSession,
  streamSession,
  type StreamsOptions,
} from "../../plugins/streams/mod.ts";
import { udp, type UdpOptions } from "../../transports/udp/mod.ts";

/** The largest Thing packet (the largest UDP payload over IPv4): what loopback carries. */
export const LOOPBACK_PACKET_SIZE = 65_507;

/**
 * The packet size `quic()` probes up to by default: a 1,500-byte Ethernet MTU less the IPv6 and
 * UDP headers (40 + 8), so discovery does not lean on IP fragmentation on common paths.
 */
export const ETHERNET_PACKET_SIZE = 1_452;

/** Options of `quic()`: the Thing dialect's, the streams plugin's, and the UDP socket's. */
export interface QuicOptions extends Omit<StreamsOptions, "overhead"> {
  /** Thing handshake options: `identity` on a server, `serverKey` on a client. */
  thing?: ThingOptions;
  /** UDP options. */
  udp?: UdpOptions;
}

/** What `quic()` returns: spread it into `listen()` or `connect()` options. */
export interface QuicPreset {
  /** The UDP transport. */
  transport: Transport;
  /** `thingSession()` then `streams()`, with the AEAD tag counted as overhead. */
  plugins: PluginList;
}

/**
 * The QUIC-style preset. Sessions start at `packetSize` (1,200 bytes by default, safe on the
 * Internet) and path MTU discovery probes up to `maxPacketSize` (default `ETHERNET_PACKET_SIZE`;
 * pass `LOOPBACK_PACKET_SIZE` on loopback). Passing `packetSize` alone fixes the size, as
 * before: no discovery.
 *
 * @example
 * ```ts
 * import { listen } from "@thing/net";
 * import { generateIdentity } from "@thing/net/plugins/thing";
 * import { quic } from "@thing/net/transports/quic";
 *
 * const identity = generateIdentity();
 * const server = await listen({ ...quic({ thing: { identity } }), port: 0 });
 * await server.close();
 * ```
 */
export function quic(options: QuicOptions = {}): QuicPreset {
  const { thing, udp: udpOptions, ...streamOptions } = options;
  const discovery = streamOptions.packetSize === undefined &&
      streamOptions.maxPacketSize === undefined
    ? { maxPacketSize: discoveryCeiling(udpOptions) }
    : {};
  return {
    transport: udp(udpOptions),
    plugins: [
      thingSession(thing),
      streams({ ...discovery, ...streamOptions, overhead: AEAD_TAG_LENGTH }),
    ],
  };
}

/** The default probing ceiling: Ethernet's, or less when the UDP link takes no more (not below 1,200). */
function discoveryCeiling(udpOptions: UdpOptions | undefined): number {
  const link = udpOptions?.maxPacketSize ?? ETHERNET_PACKET_SIZE;
  return Math.max(1200, Math.min(ETHERNET_PACKET_SIZE, link));
}

/** Options of `listenQuic()` and `connectQuic()`. */
export interface QuicNodeOptions
  extends QuicOptions, Omit<NodeOptions, "transport" | "plugins" | "role"> {
  /** More plugins, after the preset's `thingSession()` and `streams()` (e.g. `logging()`). */
  plugins?: PluginList;
}

/** Starts a QUIC-style server. */
export function listenQuic(options: QuicNodeOptions): Promise<ThingNode> {
  return listen({ ...nodePart(options), ...withPlugins(options) });
}

/** The `quic()` preset for `options`, with the caller's extra plugins after its own. */
function withPlugins(options: QuicNodeOptions): QuicPreset {
  const preset = quic({ ...streamsPart(options), thing: options.thing, udp: options.udp });
  return { ...preset, plugins: [...preset.plugins, ...(options.plugins ?? [])] };
}

/** The node options among `options`. */
function nodePart(options: QuicNodeOptions) {
  const { hostname, port, clock, random, connectTimeout, closeTimeout } = options;
  return { hostname, port, clock, random, connectTimeout, closeTimeout };
}

/** A connected QUIC-style client and the streams of its session. */
export interface QuicClient {
  /** The client node (close it when done). */
  node: ThingClient;
  /** Streams and datagrams of its session. */
  streams: StreamSession;
}

/** Connects to a QUIC-style server and completes the Thing handshake. */
export async function connectQuic(
  options: QuicNodeOptions & { port: number },
): Promise<QuicClient> {
  const node = await connect({ ...nodePart(options), port: options.port, ...withPlugins(options) });
  return { node, streams: streamSession(node.session) };
}

function streamsPart(options: QuicOptions): Omit<StreamsOptions, "overhead"> {
  const { thing: _thing, udp: _udp, ...rest } = options;
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (STREAM_KEYS.has(key) && value !== undefined) picked[key] = value;
  }
  return picked as Omit<StreamsOptions, "overhead">;
}

const STREAM_KEYS = new Set([
  "packetSize",
  "maxPacketSize",
  "maxIncomingBidirectionalStreams",
  "maxIncomingUnidirectionalStreams",
  "streamWindow",
  "sessionWindow",
  "sendBuffer",
  "ackEvery",
  "maxAckDelay",
  "initialRtt",
  "congestion",
  "datagramQueue",
  "pathAttempts",
]);
