/**
 * `thing serve --cluster redis://HOST:PORT [--node NAME] [--cluster-prefix P]`: joins the server
 * to a cluster before it binds, so an unreachable Redis ends the command with exit 1 and one line,
 * and reports the cluster's state changes (`down` when Redis is lost, `up` when it rejoins).
 *
 * @module
 */
import type { Cluster } from "../plugins/cluster/mod.ts";
import type { Command, CommandIo, FlagValues } from "./command.ts";
import { flag, MillisecondsFlag, UsageError } from "./flags.ts";

/** The cluster flags of `thing serve`. */
export const clusterOptions: Command["options"] = {
  cluster: { type: "string" },
  node: { type: "string" },
  "cluster-prefix": { type: "string" },
  "cluster-ttl": { type: "string" },
};

/** Their help lines. */
export const clusterHelp =
  `  --cluster URL       join the cluster whose state is in Redis at URL (redis://HOST:PORT)
  --node NAME         this node's name in the cluster (default: a random one)
  --cluster-prefix P  prefix of the cluster's Redis keys, so clusters can share a Redis (thing)
  --cluster-ttl MS    a dead node leaves the directory within this (5000)`;

/**
 * Joins the cluster the flags name, or returns `undefined` without `--cluster`; prints a line
 * (a JSON one with `json`) on joining and on every later state change.
 *
 * @throws {UsageError} for bad flags
 * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN` when Redis cannot be reached
 */
export async function joinCluster(
  values: FlagValues,
  worker: number | undefined,
  json: boolean,
  io: Pick<CommandIo, "out">,
): Promise<Cluster | undefined> {
  const url = values.cluster;
  if (url === undefined) {
    for (const name of ["node", "cluster-prefix", "cluster-ttl"]) {
      if (values[name] !== undefined) {
        throw new UsageError(
          `Invalid --${name} without --cluster: add --cluster redis://HOST:PORT`,
        );
      }
    }
    return undefined;
  }
  // Loaded on demand: the Redis client costs every other command ~100 ms of start-up.
  const { cluster } = await import("../plugins/cluster/mod.ts");
  let member: Cluster;
  try {
    member = cluster({
      url: String(url),
      ...(values.node === undefined ? {} : { node: String(values.node) }),
      ...(values["cluster-prefix"] === undefined
        ? {}
        : { prefix: String(values["cluster-prefix"]) }),
      ...(values["cluster-ttl"] === undefined
        ? {}
        : { ttl: Number(flag("cluster-ttl", MillisecondsFlag, values["cluster-ttl"])) }),
      ...(worker === undefined ? {} : { worker }),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
  await member.start();
  const report = (state: string) =>
    io.out(
      json
        ? JSON.stringify({ event: "cluster", state, node: member.node })
        : `cluster ${state} (node ${member.node})`,
    );
  report(member.state);
  member.onStateChange(report);
  return member;
}
