/**
 * Cluster test fixtures: servers that joined one cluster, and Connection clients of them.
 *
 * @module
 */
import {
  connect,
  listen,
  type Plugin,
  type ThingClient,
  type ThingNode,
} from "../../../core/mod.ts";
import { type Cluster, cluster, type ClusterOptions } from "../../../plugins/cluster/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";

/** A server in the cluster. */
export interface ClusterNode {
  /** The UDP server. */
  server: ThingNode;
  /** Its cluster member. */
  cluster: Cluster;
}

/** Starts a UDP Connection server that joins the cluster at `url`. */
export async function startNode(
  url: string,
  node: string,
  options: Partial<ClusterOptions> = {},
  plugins: Plugin[] = [],
): Promise<ClusterNode> {
  const member = cluster({ url, node, prefix: "test", ttl: 900, ...options });
  await member.start();
  const server = await listen({ transport: udp(), plugins: [connection(), member, ...plugins] });
  return { server, cluster: member };
}

/** Connects a Connection client to `node` that records what it receives. */
export async function connectTo(
  node: ClusterNode,
): Promise<{ client: ThingClient; received: string[] }> {
  const client = await connect({
    transport: udp(),
    port: node.server.address.port,
    plugins: connection(),
    connectTimeout: 3000,
  });
  const received: string[] = [];
  client.on("message", ({ data }) => received.push(new TextDecoder().decode(data)));
  return { client, received };
}

/** Waits until `check()` is true, polling every 20 ms, failing after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
