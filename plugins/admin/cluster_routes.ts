/**
 * The cluster-wide parts of the admin API, used when the server runs `cluster()`: sessions of every
 * node, messages and closes routed to the node holding a session, the live nodes, and the HTTP
 * status of each cluster failure.
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Endpoint } from "../../core/endpoint.ts";
import type { Cluster } from "../cluster/mod.ts";
import type { ThingMetrics } from "../metrics/mod.ts";
import { errorResponse } from "./errors.ts";
import { type SessionJson, sessionJson } from "./session_json.ts";

/** A session as the cluster-wide admin API shows it: with the node (and worker) holding it. */
export interface ClusterSessionJson extends SessionJson {
  /** The node holding it. */
  node: string;
  /** The worker holding it, when its node runs several. */
  worker?: number;
}

/** The sessions of every live node; only this node's when Redis is unreachable (`partial`). */
export async function clusterSessions(
  endpoint: Endpoint,
  cluster: Cluster,
  metrics: ThingMetrics | undefined,
): Promise<{ sessions: ClusterSessionJson[]; partial?: true }> {
  const { node, worker, member } = cluster.options;
  const here = worker === undefined ? {} : { worker };
  const local = [...endpoint.sessions].map((s) => ({ ...sessionJson(s, metrics), node, ...here }));
  if (cluster.state !== "up") return { sessions: local, partial: true };
  try {
    const remote = (await cluster.sessions())
      .filter((s) => (s.worker === undefined ? s.node : `${s.node}/${s.worker}`) !== member)
      .map((s) => ({
        id: s.id,
        peer: s.peer,
        state: "open" as const,
        node: s.node,
        ...(s.worker === undefined ? {} : { worker: s.worker }),
      }));
    return { sessions: [...local, ...remote] };
  } catch {
    return { sessions: local, partial: true };
  }
}

const STATUS: Record<string, [ContentfulStatusCode, string]> = {
  THING_ERR_CLUSTER_UNKNOWN_SESSION: [404, "unknown_session"],
  THING_ERR_SESSION_CLOSED: [404, "unknown_session"],
  THING_ERR_CLUSTER_NODE_GONE: [503, "node_gone"],
  THING_ERR_CLUSTER_DOWN: [503, "cluster_down"],
  THING_ERR_TIMEOUT: [504, "timeout"],
  THING_ERR_WORKER_UNAVAILABLE: [503, "worker_unavailable"],
  THING_ERR_PAYLOAD_TOO_LARGE: [413, "too_large"],
  THING_ERR_PACKET_TOO_LARGE: [413, "too_large"],
};

/** The JSON error for a failed send or close: 404, 503, 504 or 502 by its code. */
export function failureResponse(c: Context, error: unknown): Response {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const [status, name] = STATUS[String(code)] ?? [502, "send_failed"];
  return errorResponse(c, status, name, String(message ?? error));
}
