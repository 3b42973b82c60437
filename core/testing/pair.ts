/**
 * A client and a server endpoint on a simulated network: the fixture every dialect test starts
 * from, and the one users get to test their own plugins.
 *
 * @module
 */
import { SeededRandom } from "../clock.ts";
import { Endpoint, type EndpointOptions } from "../endpoint.ts";
import type { PluginList } from "../plugin.ts";
import type { Session } from "../session.ts";
import type { PeerAddress } from "../transport.ts";
import { type PacketFate, SimNetwork } from "./sim_network.ts";

/** How to build a pair. */
export interface PairOptions
  extends Partial<Omit<EndpointOptions, "role" | "plugins" | "clock" | "random">> {
  /** Plugins for both ends (or set `client` and `server` separately). */
  plugins?: PluginList;
  /** Client plugins, when they differ from the server's. */
  clientPlugins?: PluginList;
  /** Server plugins, when they differ from the client's. */
  serverPlugins?: PluginList;
  /** Seed of both endpoints' random sources (default 1). */
  seed?: number;
  /** Fate of client → server packets. */
  toServer?: PacketFate;
  /** Fate of server → client packets. */
  toClient?: PacketFate;
}

/** A client and a server endpoint sharing a simulated network and clock. */
export interface Pair {
  /** The network and its manual clock. */
  net: SimNetwork;
  /** The client endpoint. */
  client: Endpoint;
  /** The server endpoint. */
  server: Endpoint;
  /** The client's address. */
  clientAddress: PeerAddress;
  /** The server's address. */
  serverAddress: PeerAddress;
  /** Connects the client to the server, driving the network until the handshake settles. */
  connect(): Promise<Session>;
}

/** Builds a client/server pair on a fresh simulated network. */
export function pair(options: PairOptions): Pair {
  const net = new SimNetwork();
  const {
    plugins = [],
    clientPlugins = plugins,
    serverPlugins = plugins,
    seed = 1,
    toServer,
    toClient,
    ...rest
  } = options;
  const clientAddress = { hostname: "client", port: 1 };
  const serverAddress = { hostname: "server", port: 2 };
  const client = new Endpoint({
    ...rest,
    role: "client",
    plugins: clientPlugins,
    clock: net.clock,
    random: new SeededRandom(seed),
  });
  const server = new Endpoint({
    ...rest,
    role: "server",
    plugins: serverPlugins,
    clock: net.clock,
    random: new SeededRandom(seed + 1),
  });
  net.add(client, clientAddress);
  net.add(server, serverAddress);
  if (toServer) net.setFate(clientAddress, serverAddress, toServer);
  if (toClient) net.setFate(serverAddress, clientAddress, toClient);
  return {
    net,
    client,
    server,
    clientAddress,
    serverAddress,
    async connect() {
      const connecting = client.connect(serverAddress);
      let settled = false;
      connecting.then(() => (settled = true), () => (settled = true));
      await net.runUntil(() => settled);
      return connecting;
    },
  };
}
